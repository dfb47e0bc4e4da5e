using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using MimeKit;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// A message about to be signed or encrypted: its own headers, and its body in canonical form (RFC 8551 §3.1).
    /// </summary>
    /// <remarks>
    /// <para>MimeKit reads the whole message to find its parts before the body can be copied out, so a large message was read
    /// twice, one read after the other. Opened <see cref="ParseAlongside"/>, the body is copied out (to be hashed, encrypted
    /// and written) from the header block's end while a second thread parses the message from the same file: the work takes
    /// about as long as the longer of the two.</para>
    /// <para>The copy assumes what the parse then confirms: the header block MimeKit finds is the one read first, the body runs
    /// to the end of the message, and no transfer encoding has to change for 7-bit transport (an 8-bit part would). When the
    /// parse disagrees, the copy is stopped and <see cref="WriteBody"/> throws <see cref="CopyRefusedException"/>: the caller
    /// throws its output away and writes the message again from a parse made first. Either way the bytes written are those
    /// of <see cref="CanonicalForm.Write"/>.</para>
    /// </remarks>
    internal sealed class MessageToProtect : IDisposable
    {
        private readonly Stream _source;
        private readonly EntityOffsets _offsets = new();

        // Parsed alongside the copy: what the copy starts from, and the parse it waits for.
        private readonly Stream? _parseSource;
        private readonly byte[]? _outerHeaders;
        private readonly byte[]? _bodyHeaders;
        private readonly long _bodyOffset;
        private readonly long _end;
        private readonly CancellationTokenSource? _stopParse;
        private readonly CancellationTokenSource? _stopCopy;
        private readonly Task<(MimeMessage Message, bool Agrees)>? _parse;

        private MimeMessage? _message;

        private MessageToProtect(Stream source, MimeMessage message, EntityOffsets offsets)
        {
            _source = source;
            _message = message;
            _offsets = offsets;
        }

        private MessageToProtect(MessageInput input, Stream source, Stream parseSource, MimeMessage headersOnly, long bodyOffset,
            InputLimits limits, CancellationToken cancellationToken)
        {
            _source = source;
            _parseSource = parseSource;
            _bodyOffset = bodyOffset;
            _end = source.Length;
            _outerHeaders = OuterHeaderBytes(headersOnly, cancellationToken);
            _bodyHeaders = HeaderBytes(headersOnly.Body!.Headers, cancellationToken);
            _stopParse = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _stopCopy = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var stopParse = _stopParse.Token;
            var displayName = input.DisplayName;
            _parse = Task.Factory.StartNew(() =>
            {
                var agrees = false;
                try
                {
                    var message = MessageParsing.ParseMessage(parseSource, displayName, limits, stopParse, _offsets);
                    MessageParsing.CheckNesting(message.Body!, displayName, limits.MaximumNestingDepth);
                    agrees = Agrees(message, stopParse);
                    return (message, agrees);
                }
                finally
                {
                    if (!agrees)
                    {
                        // A parse that failed or disagrees makes the rest of the copy useless.
                        _stopCopy.Cancel();
                    }
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        /// <summary>
        /// Large files, from 4 MiB (smaller ones are parsed faster than a thread starts on this work), when another core
        /// may take the parse.
        /// </summary>
        public const long ParseAlongsideFrom = 4L << 20;

        /// <summary>True when <paramref name="input"/> is worth parsing alongside its copy (<see cref="ParseAlongsideFrom"/>).</summary>
        public static bool ParseAlongside(MessageInput input, long from = ParseAlongsideFrom) =>
            input.MayOpenTwice && Environment.ProcessorCount > 1 && input.Length is { } length && length >= from;

        /// <summary>
        /// The message of <paramref name="input"/>: parsed now, or with <paramref name="alongside"/> parsed on a second thread
        /// while <see cref="WriteBody"/> copies it. A message whose header block cannot be found at once is parsed now.
        /// </summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.MalformedMessage"/>, <see cref="ErrorIds.TooManyParts"/>,
        /// <see cref="ErrorIds.NestingTooDeep"/>; parsed alongside, these come from <see cref="WriteBody"/>.</exception>
        public static MessageToProtect Open(MessageInput input, InputLimits limits, bool alongside, CancellationToken cancellationToken)
        {
            var source = input.Open();
            try
            {
                if (alongside && HeaderBlock.Read(source) is { } block && block.BodyOffset < source.Length)
                {
                    var headersOnly = MessageParsing.ParseMessage(new MimeKit.IO.BoundStream(source, 0, block.BodyOffset, leaveOpen: true),
                        input.DisplayName, limits, cancellationToken);
                    var parseSource = input.Open();
                    try
                    {
                        return new MessageToProtect(input, source, parseSource, headersOnly, block.BodyOffset, limits, cancellationToken);
                    }
                    catch
                    {
                        parseSource.Dispose();
                        throw;
                    }
                }

                source.Position = 0;
                var offsets = new EntityOffsets();
                var message = MessageParsing.ParseMessage(source, input.DisplayName, limits, cancellationToken, offsets);
                MessageParsing.CheckNesting(message.Body!, input.DisplayName, limits.MaximumNestingDepth);
                return new MessageToProtect(source, message, offsets);
            }
            catch
            {
                source.Dispose();
                throw;
            }
        }

        /// <summary>True when the message is parsed on a second thread while its body is copied.</summary>
        public bool ParsedAlongside => _parse != null;

        /// <summary>The whole message, parsed; parsed alongside, only once <see cref="WriteBody"/> has returned.</summary>
        public MimeMessage Message => _message ?? throw new InvalidOperationException("The message is parsed alongside its copy: write its body first.");

        /// <summary>The message's own headers, outside every protection layer (<see cref="OuterHeaders"/>).</summary>
        public void WriteOuterHeaders(Stream output, CancellationToken cancellationToken)
        {
            if (_outerHeaders != null)
            {
                output.Write(_outerHeaders);
            }
            else
            {
                OuterHeaders.Write(Message, output, cancellationToken);
            }
        }

        /// <summary>The body in canonical form, as <see cref="CanonicalForm.Write"/> writes it.</summary>
        /// <exception cref="CopyRefusedException">Parsed alongside, the parse found what the copy cannot stand for.</exception>
        public void WriteBody(Stream output, CancellationToken cancellationToken)
        {
            if (_parse == null)
            {
                CanonicalForm.Write(Message.Body!, output, cancellationToken, _offsets);
                return;
            }

            using (var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopCopy!.Token))
            {
                try
                {
                    output.Write(_bodyHeaders);
                    CanonicalForm.CopyBody(_source, _bodyOffset, _end, output, both.Token);
                }
                catch (OperationCanceledException) when (_stopCopy.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    // The parse stopped the copy: its error, or its disagreement, is what to report.
                }
            }

            var (message, agrees) = _parse.GetAwaiter().GetResult();
            if (!agrees)
            {
                throw new CopyRefusedException();
            }

            _message = message;
        }

        public void Dispose()
        {
            if (_parse != null)
            {
                _stopParse!.Cancel();
                try
                {
                    _parse.Wait();
                }
                catch (AggregateException)
                {
                    // Reported by WriteBody when it was wanted; a copy that failed first has its own error.
                }

                _stopParse.Dispose();
                _stopCopy!.Dispose();
                _parseSource!.Dispose();
            }

            _source.Dispose();
        }

        /// <summary>True when the parse confirms the copy: the same header block, the body to the end, nothing to re-encode.</summary>
        private bool Agrees(MimeMessage message, CancellationToken cancellationToken)
        {
            var body = message.Body!;
            return _offsets.TryGet(body, out var range) && range.HeadersEnd == _bodyOffset && range.End == _end
                && CanonicalForm.PrepareUnchanged(body)
                && OuterHeaderBytes(message, cancellationToken).AsSpan().SequenceEqual(_outerHeaders)
                && HeaderBytes(body.Headers, cancellationToken).AsSpan().SequenceEqual(_bodyHeaders);
        }

        private static byte[] OuterHeaderBytes(MimeMessage message, CancellationToken cancellationToken)
        {
            using var bytes = new MemoryStream();
            OuterHeaders.Write(message, bytes, cancellationToken);
            return bytes.ToArray();
        }

        private static byte[] HeaderBytes(HeaderList headers, CancellationToken cancellationToken)
        {
            using var bytes = new MemoryStream();
            CanonicalForm.WriteHeaders(headers, bytes, cancellationToken);
            return bytes.ToArray();
        }

        /// <summary>The parse, made alongside the copy, found what the copy cannot stand for; write the message again, parsed first.</summary>
        internal sealed class CopyRefusedException : Exception
        {
            public CopyRefusedException()
                : base("The message was copied while it was parsed, and the parse found a part to re-encode or a header block other than the one copied.")
            {
            }
        }
    }
}
