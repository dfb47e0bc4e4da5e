using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using MimeKit;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Moves one encrypted message to new keys: a visitor of the layer walker that finds the message's envelope and
    /// writes the message again around a rewritten envelope, every byte outside it as it was. It only writes; putting
    /// the result in place (after <see cref="Check"/>) is the job's.
    /// </summary>
    public static class MessageEncryptionUpdater
    {
        /// <summary>
        /// Writes the updated message to <paramref name="output"/> and says what was done. A message that needs nothing
        /// comes back <see cref="MessageUpdateState.Skipped"/> with nothing written.
        /// </summary>
        /// <exception cref="SmimeException">
        /// <see cref="ErrorIds.NotEncrypted"/>, <see cref="ErrorIds.SignatureOverEncryption"/>, <see cref="ErrorIds.NoDecryptionKey"/>,
        /// <see cref="ErrorIds.RecipientCertificateUnknown"/>, <see cref="ErrorIds.MalformedMessage"/>; what was written is then to be discarded.
        /// </exception>
        public static MessageUpdate Update(MessageInput input, EncryptionUpdateOptions options, Stream output, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(options);
            ArgumentNullException.ThrowIfNull(output);
            using var walker = new LayerWalker(input.DisplayName, options.TemporaryFolder, cancellationToken) { Limits = options.Limits };
            var visitor = new Rewrapping(input, options, output, cancellationToken);
            walker.Walk(input, visitor);
            return visitor.Result ?? throw new SmimeException(ErrorIds.NotEncrypted, SmimeErrorKind.InvalidData,
                $"The message {input.DisplayName} is not encrypted{(visitor.Signed ? " (it is only signed)" : string.Empty)}; it was left as it is.",
                "Nothing to do for it: only encrypted messages are moved to new keys.", input.DisplayName);
        }

        /// <summary>
        /// What <see cref="Update"/> would do to the message, found from its envelope without a key: <see cref="MessageUpdateState.Planned"/>
        /// with the recipients before and after, or <see cref="MessageUpdateState.Skipped"/>. Whether an old key opens it is not
        /// known until a key is tried.
        /// </summary>
        /// <exception cref="SmimeException">As <see cref="Update"/>, except the errors only a key can find.</exception>
        public static MessageUpdate Plan(MessageInput input, EncryptionUpdateOptions options, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(options);
            using var walker = new LayerWalker(input.DisplayName, options.TemporaryFolder, cancellationToken) { Limits = options.Limits };
            var visitor = new Rewrapping(input, options, null, cancellationToken);
            walker.Walk(input, visitor);
            return visitor.Result ?? throw new SmimeException(ErrorIds.NotEncrypted, SmimeErrorKind.InvalidData,
                $"The message {input.DisplayName} is not encrypted{(visitor.Signed ? " (it is only signed)" : string.Empty)}; it would be left as it is.",
                "Nothing to do for it: only encrypted messages are moved to new keys.", input.DisplayName);
        }

        /// <summary>
        /// Reads the rewritten message back and checks it against <paramref name="update"/>: the bytes outside the envelope are
        /// those of the original, the envelope parses, and a key opens it to the same content (the same content key and encrypted
        /// bytes when recipients were added; the same decrypted bytes when re-encrypted).
        /// </summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.RewriteCheckFailed"/> when it does not hold.</exception>
        public static string Check(Stream rewritten, MessageUpdate update, EncryptionUpdateOptions options, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(rewritten);
            ArgumentNullException.ThrowIfNull(update);
            ArgumentNullException.ThrowIfNull(options);
            var name = update.Path ?? "(message)";
            try
            {
                var outer = new byte[update.OuterLength];
                rewritten.Position = 0;
                rewritten.ReadExactly(outer);
                if (!SHA256.HashData(outer).AsSpan().SequenceEqual(update.OuterDigest))
                {
                    throw CheckFailed(name, "its headers are not those of the original");
                }

                // The header block is the original's (just compared), whose body was base64: the rewritten body starts right after it.
                using var cms = update.OuterLength == 0
                    ? new MimeKit.IO.BoundStream(rewritten, 0, -1, leaveOpen: true)
                    : TransferDecoding.Open(new MimeKit.IO.BoundStream(rewritten, update.OuterLength, -1, leaveOpen: true), ContentEncoding.Base64);
                if (options.Mode == EncryptionUpdateMode.AddRecipient)
                {
                    var result = EnvelopedDataRewriter.Check(cms, options.OldKeys.Concat(options.CheckKeys).ToArray(), update.ContentDigest!,
                        update.ContentKeyCheckValue!, cancellationToken, update.Carried);
                    if (!result.IsIntact)
                    {
                        throw CheckFailed(name, result.ContentDigestMatches ? "its content key is not the original's" : "its encrypted content is not the original's");
                    }

                    var unwrapped = result.RecipientsChecked.Count == 0 ? string.Empty : $"; {result.RecipientsChecked.Count} new recipient(s) unwrapped to the same content key";
                    return result.CarriedOpened != null
                        ? $"encrypted content and old recipients as before, byte for byte (the old key's recipient {result.CarriedOpened} among them){unwrapped}"
                        : $"content key and encrypted content as before, for {result.RecipientsChecked.Count} recipient(s) the job holds keys for";
                }

                var keys = options.CheckKeys.Concat(options.OldKeys.Where(k => !options.RemoveRecipients.Any(r => r.Thumbprint == k.Certificate.Thumbprint))).ToArray();
                if (keys.Length == 0)
                {
                    var recipients = EnvelopedDataReader.Open(cms).Recipients;
                    return recipients.Count == update.RecipientsAfter.Count
                        ? "structure only: no key of a new recipient is at hand to decrypt it"
                        : throw CheckFailed(name, "it is not encrypted to the recipients it was written for");
                }

                using var hash = new HashingStream(Stream.Null, HashAlgorithmName.SHA256);
                EnvelopedDataReader.Decrypt(cms, hash, keys, cancellationToken);
                if (!hash.GetHashAndReset().AsSpan().SequenceEqual(update.ContentDigest))
                {
                    throw CheckFailed(name, "it does not decrypt to the original content");
                }

                return "decrypted and compared with the original content";
            }
            catch (SmimeException e) when (e.ErrorId != ErrorIds.RewriteCheckFailed)
            {
                throw CheckFailed(name, e.Message, e);
            }
        }

        private static SmimeException CheckFailed(string name, string why, Exception? inner = null) =>
            new(ErrorIds.RewriteCheckFailed, SmimeErrorKind.InvalidData,
                $"The rewritten {name} failed its check ({why}); the original was left as it is.",
                "Report this with the message if you can share it; the other messages were still processed.", name, inner);

        /// <summary>Finds the envelope on the message's chain of layers and writes the message again around a new one.</summary>
        private sealed class Rewrapping : LayerVisitor
        {
            private static readonly object SignedMark = new();

            private readonly MessageInput _input;
            private readonly EncryptionUpdateOptions _options;
            // Null when only planning (-WhatIf).
            private readonly Stream? _output;
            private readonly CancellationToken _cancel;

            public Rewrapping(MessageInput input, EncryptionUpdateOptions options, Stream? output, CancellationToken cancel)
            {
                _input = input;
                _options = options;
                _output = output;
                _cancel = cancel;
            }

            public MessageUpdate? Result { get; private set; }

            /// <summary>True when a signature was found on the way (and nothing encrypted outside it).</summary>
            public bool Signed { get; private set; }

            public override object? EnterSigned(Multipart signed, MimePart signature, LayerPosition at)
            {
                Signed = true;
                return SignedMark;
            }

            public override LayerStep OpenCms(CmsContentKind kind, Stream cms, Stream destination, LayerContent? part, LayerPosition at)
            {
                if (kind is CmsContentKind.EnvelopedData or CmsContentKind.AuthEnvelopedData)
                {
                    if (at.Depth > 0)
                    {
                        throw at.Marks.Contains(SignedMark)
                            ? new SmimeException(ErrorIds.SignatureOverEncryption, SmimeErrorKind.InvalidData,
                                $"The message {_input.DisplayName} is signed over its encryption: moving it to new keys would break the signature, so it was left as it is.",
                                "Keep it as it is, or decrypt it with Unprotect-SmimeMessage and protect it again (it is then signed by you, not by its sender).", _input.DisplayName)
                            : new SmimeException(ErrorIds.NotEncrypted, SmimeErrorKind.InvalidData,
                                $"The message {_input.DisplayName} is encrypted only inside a compressed layer, which is not rewritten; it was left as it is.",
                                "Decrypt it with Unprotect-SmimeMessage and protect it again.", _input.DisplayName);
                    }

                    Result = Rewrite(kind, cms, part);
                    return LayerStep.Closed;
                }

                // A signed or compressed layer: look inside it for encryption, which cannot be rewritten there.
                if (kind == CmsContentKind.SignedData)
                {
                    Signed = true;
                    SignedDataReader.ReadEncapsulated(cms, destination, cancellationToken: _cancel, limits: _options.Limits);
                    return LayerStep.Opened(SignedMark);
                }

                CompressedDataReader.Decompress(cms, destination, _cancel, _options.Limits);
                return LayerStep.Opened();
            }

            private MessageUpdate Rewrite(CmsContentKind kind, Stream cms, LayerContent? part)
            {
                // Read once: its recipients decide what to do, and the rewrite goes on from where they end.
                var before = EnvelopedDataReader.Open(cms);

                var recipients = before.Recipients;
                var missing = _options.Recipients.Where(c => !recipients.Any(r => r.Names(c))).ToArray();
                var removed = _options.Mode == EncryptionUpdateMode.Reencrypt
                    ? _options.RemoveRecipients.Where(c => recipients.Any(r => r.Names(c))).ToArray()
                    : Array.Empty<X509Certificate2>();
                var stale = _options.Mode == EncryptionUpdateMode.Reencrypt
                    && (before.IsWeak || before.ContentEncryptionAlgorithm != _options.ContentEncryption);
                if (missing.Length == 0 && removed.Length == 0 && !stale)
                {
                    return new MessageUpdate
                    {
                        Path = _input.Path, State = MessageUpdateState.Skipped, Reason = "already encrypted to every target recipient",
                        AlgorithmBefore = before.ContentEncryptionAlgorithmName, WasWeak = before.IsWeak,
                        RecipientsBefore = recipients.Select(r => r.ToString()).ToArray(), BytesBefore = _input.Length ?? 0,
                    };
                }

                if (_output == null)
                {
                    return Planned(before, missing, removed);
                }

                var outer = Array.Empty<byte>();
                var trailing = Array.Empty<byte>();
                var bareLf = false;
                if (part != null)
                {
                    (outer, trailing, bareLf) = ReadOuter(part);
                }

                using var counting = new HashingStream(_output, HashAlgorithmName.SHA256);
                if (_options.Mode == EncryptionUpdateMode.Reencrypt && AlgorithmPolicy.IsAuthenticated(_options.ContentEncryption) != before.IsAuthenticated)
                {
                    outer = WithSmimeType(outer, AlgorithmPolicy.IsAuthenticated(_options.ContentEncryption) ? "authEnveloped-data" : "enveloped-data");
                }

                counting.Write(outer);
                var body = part == null ? null : new Base64EncodingStream(counting, bareLf, _input.Length is { } length ? length * 3 / 4 : -1);
                var target = (Stream?)body ?? counting;
                MessageUpdate update;
                if (_options.Mode == EncryptionUpdateMode.AddRecipient)
                {
                    var added = EnvelopedDataRewriter.AddRecipients(before, target, _options.OldKeys,
                        new EncryptionOptions { Recipients = missing, KeyEncryption = _options.KeyEncryption }, _cancel);
                    update = Updated(before, added.Key, added.ContentAlgorithmName, added.RecipientsAfter.Select(r => r.ToString()).ToArray(),
                        added.Added, Array.Empty<X509Certificate2>(), added.EncryptedContentDigest, added.ContentKeyCheckValue) with { Carried = added.Carried };
                }
                else
                {
                    // The targets (new or already there) and every old recipient that stays.
                    var everyone = Keep(recipients, removed).Concat(_options.Recipients).ToArray();
                    var result = EnvelopedDataRewriter.Reencrypt(before, target, _options.OldKeys,
                        new EncryptionOptions { Recipients = everyone, ContentEncryption = _options.ContentEncryption, KeyEncryption = _options.KeyEncryption },
                        _cancel, start => HeaderBlock.MayStart(start));
                    update = Updated(before, result.Original.Key, ContentCipherAlgorithm.ForEncryption(result.ContentAlgorithm).Name,
                        everyone.Select(c => c.Subject).ToArray(), missing, removed, result.PlaintextDigest, null);
                }

                body?.Finish();
                counting.Write(trailing);
                counting.Flush();
                return update with
                {
                    BytesAfter = counting.BytesWritten, DigestAfter = counting.GetHashAndReset(), OuterDigest = SHA256.HashData(outer), OuterLength = outer.Length,
                };
            }

            /// <summary>What a rewrite would give, by names only: which certificates of old recipients are known is found out then.</summary>
            private MessageUpdate Planned(EnvelopedDataReader before, X509Certificate2[] missing, X509Certificate2[] removed)
            {
                var reencrypt = _options.Mode == EncryptionUpdateMode.Reencrypt;
                // Recipients named by the certificates the job knows, where it knows them.
                var known = _options.Recipients.Concat(_options.RemoveRecipients).Concat(_options.OldKeys.Select(k => k.Certificate)).ToList();
                string Name(EnvelopedRecipient r) => known.FirstOrDefault(r.Names)?.Subject ?? r.ToString();
                var staying = before.Recipients.Where(r => !removed.Any(r.Names) && !(reencrypt && _options.Recipients.Any(r.Names))).Select(Name);
                var added = reencrypt ? _options.Recipients : missing;
                return new MessageUpdate
                {
                    Path = _input.Path,
                    State = MessageUpdateState.Planned,
                    AlgorithmBefore = before.ContentEncryptionAlgorithmName,
                    AlgorithmAfter = reencrypt ? ContentCipherAlgorithm.ForEncryption(_options.ContentEncryption).Name : before.ContentEncryptionAlgorithmName,
                    WasWeak = before.IsWeak,
                    RecipientsBefore = before.Recipients.Select(Name).ToArray(),
                    RecipientsAfter = staying.Concat(added.Select(c => c.Subject)).ToArray(),
                    Added = missing.Select(c => c.Subject).ToArray(),
                    Removed = removed.Select(c => c.Subject).ToArray(),
                    BytesBefore = _input.Length ?? 0,
                };
            }

            /// <summary>The old recipients that stay: each needs its certificate, from the old keys, the new recipients or the finder.</summary>
            private IEnumerable<X509Certificate2> Keep(IReadOnlyList<EnvelopedRecipient> recipients, X509Certificate2[] removed)
            {
                var known = _options.OldKeys.Select(k => k.Certificate).Concat(_options.Recipients).ToList();
                foreach (var recipient in recipients)
                {
                    if (removed.Any(recipient.Names) || _options.Recipients.Any(recipient.Names))
                    {
                        continue;
                    }

                    var certificate = known.FirstOrDefault(recipient.Names) ?? _options.FindCertificate?.Invoke(recipient)
                        ?? throw new SmimeException(ErrorIds.RecipientCertificateUnknown, SmimeErrorKind.ObjectNotFound,
                            $"The message {_input.DisplayName} is also encrypted to {recipient}, whose certificate is not known: re-encrypting would shut them out, so it was left as it is.",
                            "Give that certificate with -To to keep them, or name it in -RemoveRecipient to drop them.", _input.DisplayName);
                    yield return certificate;
                }
            }

            private MessageUpdate Updated(EnvelopedDataReader before, IKeyDecryptor key, string algorithm, string[] after,
                IReadOnlyList<X509Certificate2> added, IReadOnlyList<X509Certificate2> removed, byte[] contentDigest, byte[]? keyCheck) => new()
            {
                Path = _input.Path,
                State = MessageUpdateState.Updated,
                OpenedBy = $"{key.Certificate.Subject} ({key.Certificate.Thumbprint})",
                KeyThumbprint = key.Certificate.Thumbprint,
                AlgorithmBefore = before.ContentEncryptionAlgorithmName,
                AlgorithmAfter = algorithm,
                WasWeak = before.IsWeak,
                RecipientsBefore = before.Recipients.Select(r => r.ToString()).ToArray(),
                RecipientsAfter = after,
                Added = added.Select(c => c.Subject).ToArray(),
                Removed = removed.Select(c => c.Subject).ToArray(),
                BytesBefore = _input.Length ?? 0,
                ContentDigest = contentDigest,
                ContentKeyCheckValue = keyCheck,
            };

            /// <summary>The message's bytes before the envelope's body, the line ends after it, and whether lines end in LF alone.</summary>
            private (byte[] Outer, byte[] Trailing, bool BareLf) ReadOuter(LayerContent part)
            {
                using var source = _input.Open();
                var (bodyOffset, encoding) = BodyOf(part, source);
                if (encoding != ContentEncoding.Base64)
                {
                    throw new SmimeException(ErrorIds.NotSmimeMessage, SmimeErrorKind.InvalidData,
                        $"The encrypted body of {_input.DisplayName} is not base64-encoded; only base64 bodies are rewritten, so it was left as it is.",
                        "Decrypt it with Unprotect-SmimeMessage and protect it again.", _input.DisplayName);
                }

                var outer = new byte[(int)bodyOffset];
                source.Position = 0;
                source.ReadExactly(outer);
                var tail = new byte[(int)Math.Min(256, source.Length - bodyOffset)];
                source.Position = source.Length - tail.Length;
                source.ReadExactly(tail);
                var ends = tail.Length;
                while (ends > 0 && tail[ends - 1] is (byte)'\r' or (byte)'\n')
                {
                    ends--;
                }

                // The base64 writer ends its last line itself; blank lines after it (an mbox separator) are kept.
                var trailing = tail[ends..];
                var lineEnd = Array.IndexOf(trailing, (byte)'\n') + 1;
                var bareLf = Array.IndexOf(outer, (byte)'\r') < 0;
                return (outer, lineEnd > 0 ? trailing[lineEnd..] : Array.Empty<byte>(), bareLf);
            }

            /// <summary>
            /// Where the body starts and how it is encoded: as the walker's parse found it when it ends a header block there (a
            /// blank line just before it), else from the header block read again.
            /// </summary>
            private (long Offset, ContentEncoding Encoding) BodyOf(LayerContent part, Stream source)
            {
                if (part.TryGetBody(out var offset, out var encoding) && offset >= 2 && offset <= source.Length)
                {
                    Span<byte> before = stackalloc byte[3];
                    var take = (int)Math.Min(3, offset);
                    source.Position = offset - take;
                    source.ReadExactly(before[..take]);
                    if (HeaderBlock.EndsWithBlankLine(before[..take]))
                    {
                        return (offset, encoding);
                    }
                }

                var headers = HeaderBlock.Read(source)
                    ?? throw MessageParsing.Malformed(_input.DisplayName, "its header block cannot be read", null);
                return (headers.BodyOffset, headers.TransferEncoding);
            }

            /// <summary>The header block with the smime-type parameter changed, when the kind of envelope changes.</summary>
            private static byte[] WithSmimeType(byte[] outer, string type)
            {
                var text = Encoding.Latin1.GetString(outer);
                var changed = System.Text.RegularExpressions.Regex.Replace(text, "smime-type=\"?(enveloped-data|authEnveloped-data)\"?", "smime-type=" + type,
                    System.Text.RegularExpressions.RegexOptions.IgnoreCase);
                return Encoding.Latin1.GetBytes(changed);
            }
        }
    }
}
