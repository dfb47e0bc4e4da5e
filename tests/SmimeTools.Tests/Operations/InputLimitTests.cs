using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using SmimeTools.Engine;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
using SmimeTools.Tests.Cms;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Operations
{
    /// <summary>Crafted input that would make the engine spend what it chooses: each stops at its limit with the limit's ErrorId.</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class InputLimitTests
    {
        private const string Headers = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: limits\r\nMIME-Version: 1.0\r\n";

        private static readonly Lazy<byte[]> ZeroBomb = new(() => Compressed(new ZeroStream(64L << 20)));

        private readonly TestPkiFixture _fixture;

        public InputLimitTests(TestPkiFixture fixture) => _fixture = fixture;

        /// <summary>A message whose body nests <paramref name="levels"/> multiparts, each with a boundary of its own, around a text part.</summary>
        private static byte[] NestedMultiparts(int levels)
        {
            var message = new MemoryStream();
            message.Write(Encoding.ASCII.GetBytes(Headers));
            for (var i = 0; i < levels; i++)
            {
                message.Write(Encoding.ASCII.GetBytes($"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n"));
            }

            message.Write(Encoding.ASCII.GetBytes("Content-Type: text/plain\r\n\r\ndeep\r\n"));
            return message.ToArray();
        }

        private static byte[] Compressed(Stream content)
        {
            var output = new MemoryStream();
            CompressedDataWriter.Write(content, output);
            return output.ToArray();
        }

        private static byte[] CompressedMessage(byte[] cms) => Encoding.ASCII.GetBytes(Headers +
            "Content-Type: application/pkcs7-mime; smime-type=compressed-data; name=smime.p7z\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            Convert.ToBase64String(cms, Base64FormattingOptions.InsertLineBreaks) + "\r\n");

        /// <summary>Runs <paramref name="work"/> on a thread with a 1 MiB stack: deep recursion over a deep input would overflow it.</summary>
        private static void OnSmallStack(Action work)
        {
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    work();
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }, 1 << 20);
            thread.Start();
            thread.Join();
            if (failure != null)
            {
                throw failure;
            }
        }

        [Fact]
        public void AMillionNestedMultipartsFailFastWithoutDeepRecursion()
        {
            var message = NestedMultiparts(1_000_000);
            var started = DateTime.UtcNow;
            SmimeException? verify = null;
            SmimeException? protect = null;
            OnSmallStack(() =>
            {
                verify = Assert.Throws<SmimeException>(() => SignatureVerifier.Verify(MessageInput.FromBytes(message), new SignatureVerifyOptions()));
                using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
                protect = Assert.Throws<SmimeException>(() => MessageProtector.Protect(MessageInput.FromBytes(message),
                    new ProtectOptions { SigningKey = key, SignatureCertificates = new[] { key.Certificate } }, MessageOutput.ToMemory()));
            });

            Assert.Equal(ErrorIds.NestingTooDeep, verify!.ErrorId);
            Assert.Equal(SmimeErrorKind.LimitsExceeded, verify.Kind);
            Assert.Contains(nameof(InputLimits.MaximumNestingDepth), verify.Message, StringComparison.Ordinal);
            Assert.Contains("-" + nameof(InputLimits.MaximumNestingDepth), verify.RecommendedAction, StringComparison.Ordinal);
            Assert.Equal(ErrorIds.NestingTooDeep, protect!.ErrorId);

            // Walking a message that does not descend its MIME parts still parses it within the bound.
            OnSmallStack(() => MessageInspector.Inspect(MessageInput.FromBytes(message), Path.GetTempPath()));
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromMinutes(1), "a million levels took more than a minute");
        }

        [Fact]
        public void MimeNestingStopsExactlyPastTheLimitAndTheLimitCanBeRaised()
        {
            Assert.NotNull(SignatureVerifier.Verify(MessageInput.FromBytes(NestedMultiparts(InputLimits.DefaultNestingDepth)), new SignatureVerifyOptions()));
            var deeper = NestedMultiparts(InputLimits.DefaultNestingDepth + 1);
            Assert.Equal(ErrorIds.NestingTooDeep,
                Assert.Throws<SmimeException>(() => SignatureVerifier.Verify(MessageInput.FromBytes(deeper), new SignatureVerifyOptions())).ErrorId);
            var raised = new InputLimits { MaximumNestingDepth = InputLimits.DefaultNestingDepth + 1 };
            Assert.Empty(SignatureVerifier.Verify(MessageInput.FromBytes(deeper), new SignatureVerifyOptions { Limits = raised }));
        }

        /// <summary>A multipart body of <paramref name="parts"/> empty parts, all under one boundary, with its Content-Type header.</summary>
        private static string FlatParts(int parts)
        {
            var body = new StringBuilder("Content-Type: multipart/mixed; boundary=b\r\n\r\n");
            for (var i = 0; i < parts; i++)
            {
                body.Append("--b\r\n\r\n");
            }

            return body.Append("--b--\r\n").ToString();
        }

        [Fact]
        public void AFloodOfEmptyPartsStopsAtThePartLimitWithoutHoldingThemAll()
        {
            // 7 MB of "--b" lines: a million parts, each an object MimeKit would build and keep.
            var message = Encoding.ASCII.GetBytes(Headers + FlatParts(1_000_000));
            long before = GC.GetAllocatedBytesForCurrentThread();
            var verify = Assert.Throws<SmimeException>(() => SignatureVerifier.Verify(MessageInput.FromBytes(message), new SignatureVerifyOptions()));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(ErrorIds.TooManyParts, verify.ErrorId);
            Assert.Equal(SmimeErrorKind.LimitsExceeded, verify.Kind);
            Assert.Contains("more than 10000 MIME parts", verify.Message, StringComparison.Ordinal);
            Assert.Contains("-" + nameof(InputLimits.MaximumPartCount), verify.RecommendedAction, StringComparison.Ordinal);
            Assert.True(allocated < 256L << 20, $"{allocated} bytes were allocated for a part flood stopped at 10,000 parts");

            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            Assert.Equal(ErrorIds.TooManyParts, Assert.Throws<SmimeException>(() => MessageProtector.Protect(MessageInput.FromBytes(message),
                new ProtectOptions { SigningKey = key, SignatureCertificates = new[] { key.Certificate } }, MessageOutput.ToMemory())).ErrorId);
            Assert.Equal(ErrorIds.TooManyParts,
                Assert.Throws<SmimeException>(() => MessageInspector.Inspect(MessageInput.FromBytes(message), Path.GetTempPath())).ErrorId);
        }

        [Fact]
        public void ThePartLimitHoldsInsideALayerAndCanBeRaised()
        {
            // Inside a compressed layer, the flood is met when the unwrapped content is parsed, and named as that layer's.
            var flood = Encoding.ASCII.GetBytes(FlatParts(InputLimits.Default.MaximumPartCount));
            var inside = CompressedMessage(Compressed(new MemoryStream(flood)));
            var e = Assert.Throws<SmimeException>(() => MessageInspector.Inspect(MessageInput.FromBytes(inside), Path.GetTempPath()));
            Assert.Equal(ErrorIds.TooManyParts, e.ErrorId);
            Assert.StartsWith("A protection layer of (message in memory)", e.Message, StringComparison.Ordinal);
            Assert.Equal(ErrorIds.TooManyParts,
                Assert.Throws<SmimeException>(() => SignatureVerifier.Verify(MessageInput.FromBytes(inside), new SignatureVerifyOptions())).ErrorId);

            // Unwrapping alone copies the content through under the outer headers, parsing only its header block: nothing is held.
            var unwrapped = MessageUnprotector.Unprotect(MessageInput.FromBytes(inside), new UnprotectOptions(), MessageOutput.ToMemory()).Content!;
            Assert.EndsWith(Encoding.ASCII.GetString(flood), Encoding.ASCII.GetString(unwrapped), StringComparison.Ordinal);

            // The multipart and its parts: one more than the parts themselves, so the default takes 9,999 parts and no more.
            var fits = Encoding.ASCII.GetBytes(Headers + FlatParts(InputLimits.Default.MaximumPartCount - 1));
            Assert.NotNull(MessageInspector.Inspect(MessageInput.FromBytes(fits), Path.GetTempPath()));
            var raised = new InputLimits { MaximumPartCount = InputLimits.Default.MaximumPartCount + 1 };
            Assert.NotNull(MessageInspector.Inspect(MessageInput.FromBytes(inside), Path.GetTempPath(), limits: raised));
        }

        [Fact]
        public void AnMboxMessageOverThePartLimitIsOneProblemAfterTheMessagesBeforeIt()
        {
            var first = "From alice@example.com Thu Dec  3 10:00:00 2026\r\n" + Headers + "Content-Type: text/plain\r\n\r\nfirst\r\n";
            var flood = "From alice@example.com Thu Dec  3 10:01:00 2026\r\n" + Headers + FlatParts(20_000);
            var mbox = Encoding.ASCII.GetBytes(first + flood + first);
            var problems = new System.Collections.Generic.List<SmimeException>();
            var summaries = MessageInspector.InspectMbox(MessageInput.FromBytes(mbox), Path.GetTempPath(), problems.Add).ToList();

            Assert.Single(summaries);
            var problem = Assert.Single(problems);
            Assert.Equal(ErrorIds.TooManyParts, problem.ErrorId);
            Assert.StartsWith("Message 2 of the mbox file (message in memory)", problem.Message, StringComparison.Ordinal);
            Assert.Contains("the messages after it are not read", problem.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AZlibBombStopsAtTheRatioWithoutAllocatingItsExpansion()
        {
            var bomb = ZeroBomb.Value;
            Assert.True(bomb.Length < 512 * 1024, $"the bomb is {bomb.Length} bytes");
            var output = new MemoryStream();
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<SmimeException>(() => CompressedDataReader.Decompress(new MemoryStream(bomb), output));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(ErrorIds.CompressionRatioTooHigh, e.ErrorId);
            Assert.Contains(nameof(InputLimits.MaximumCompressionRatio), e.Message, StringComparison.Ordinal);
            Assert.True(output.Length <= CompressedDataReader.RatioFloor + (64 * 1024), $"{output.Length} bytes were written");
            Assert.True(allocated < 8L << 20, $"{allocated} bytes were allocated for a 64 MiB expansion");
        }

        [Fact]
        public void TheDecompressedSizeLimitHoldsWhateverTheRatio()
        {
            var limits = new InputLimits { MaximumDecompressedSize = 4L << 20, MaximumCompressionRatio = int.MaxValue };
            var output = new MemoryStream();
            var e = Assert.Throws<SmimeException>(() => CompressedDataReader.Decompress(new MemoryStream(ZeroBomb.Value), output, default, limits));
            Assert.Equal(ErrorIds.DecompressedTooLarge, e.ErrorId);
            Assert.True(output.Length <= limits.MaximumDecompressedSize, $"{output.Length} bytes were written");

            // Raised past the expansion, the same data opens.
            var open = new InputLimits { MaximumDecompressedSize = 1L << 30, MaximumCompressionRatio = int.MaxValue };
            Assert.Equal(64L << 20, CompressedDataReader.Decompress(new MemoryStream(ZeroBomb.Value), Stream.Null, default, open));
        }

        [Fact]
        public void EveryUseCaseNamesTheMessageAZlibBombCameIn()
        {
            var message = CompressedMessage(ZeroBomb.Value);
            var unprotect = Assert.Throws<SmimeException>(() =>
                MessageUnprotector.Unprotect(MessageInput.FromBytes(message), new UnprotectOptions(), MessageOutput.ToMemory()));
            Assert.Equal(ErrorIds.CompressionRatioTooHigh, unprotect.ErrorId);
            Assert.Contains("(message in memory)", unprotect.Message, StringComparison.Ordinal);
            Assert.Equal(ErrorIds.CompressionRatioTooHigh,
                Assert.Throws<SmimeException>(() => MessageInspector.Inspect(MessageInput.FromBytes(message), Path.GetTempPath())).ErrorId);
            Assert.Equal(ErrorIds.CompressionRatioTooHigh,
                Assert.Throws<SmimeException>(() => SignatureVerifier.Verify(MessageInput.FromBytes(message), new SignatureVerifyOptions())).ErrorId);
        }

        [Fact]
        public void ASignedLayerWithTooManyCertificatesIsRefusedBeforeTheyAreDecoded()
        {
            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var limit = InputLimits.Default.MaximumCertificateCount;
            var many = Enumerable.Range(0, limit + 1).Select(i => _fixture.Pki.Users.Values.ElementAt(i % _fixture.Pki.Users.Count).GetCertificate()).ToArray();
            many[0] = key.Certificate;
            var body = Headers + "Content-Type: text/plain\r\n\r\nSigned words.\r\n";
            foreach (var opaque in new[] { false, true })
            {
                var signed = MessageProtector.Protect(MessageInput.FromText(body),
                    new ProtectOptions { SigningKey = key, SignatureCertificates = many, Opaque = opaque }, MessageOutput.ToMemory()).Content!;

                var e = Assert.Throws<SmimeException>(() => SignatureVerifier.Verify(MessageInput.FromBytes(signed), new SignatureVerifyOptions()));
                Assert.Equal(ErrorIds.TooManyCertificates, e.ErrorId);
                Assert.Contains($"{limit + 1} certificates", e.Message, StringComparison.Ordinal);
                Assert.Equal(ErrorIds.TooManyCertificates,
                    Assert.Throws<SmimeException>(() => MessageInspector.Inspect(MessageInput.FromBytes(signed), Path.GetTempPath())).ErrorId);

                var raised = new InputLimits { MaximumCertificateCount = limit + 1 };
                Assert.Single(SignatureVerifier.Verify(MessageInput.FromBytes(signed), new SignatureVerifyOptions { Limits = raised }));
            }
        }

        /// <summary>A stream of <c>length</c> zero bytes, made as it is read.</summary>
        private sealed class ZeroStream : Stream
        {
            private readonly long _length;
            private long _position;

            public ZeroStream(long length) => _length = length;

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => _length;

            public override long Position { get => _position; set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count)
            {
                var n = (int)Math.Min(count, _length - _position);
                Array.Clear(buffer, offset, n);
                _position += n;
                return n;
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
