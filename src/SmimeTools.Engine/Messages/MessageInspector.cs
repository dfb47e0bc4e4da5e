using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using MimeKit;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Cms;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// Looks at messages without keys: the protection layers, their algorithms, recipients and signers. It never
    /// decrypts and stops at an encrypted layer; opaque-signed and compressed layers are opened through scratch
    /// files, so no message is held in memory.
    /// </summary>
    public static class MessageInspector
    {
        /// <summary>How many layers deep inspection goes before calling the message malformed.</summary>
        public const int MaximumDepth = 8;

        /// <summary>Inspects the single message (or bare CMS .p7m file) of <paramref name="input"/>.</summary>
        /// <remarks>resolveRecipient gives the address of a recipient where a store knows it; it may be null.</remarks>
        /// <exception cref="SmimeException"><see cref="ErrorIds.MalformedMessage"/> for input that cannot be read as a message.</exception>
        public static MessageSummary Inspect(MessageInput input, string temporaryFolder, Func<EnvelopedRecipient, string?>? resolveRecipient = null,
            CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(temporaryFolder);
            using var source = input.Open();
            long? size = source.CanSeek ? source.Length : null;
            var first = source.ReadByte();
            if (source.CanSeek)
            {
                source.Position = 0;
            }

            return Guard(input.DisplayName, () =>
            {
                if (first == 0x30)
                {
                    // A bare CMS file (.p7m as DER): no headers, the first layer is the whole file.
                    var walker = new Walker(temporaryFolder, resolveRecipient, input.DisplayName, cancellationToken);
                    try
                    {
                        walker.WalkCms(source);
                        return walker.Summary(null, input.Path, null, null, size, "application/pkcs7-mime");
                    }
                    finally
                    {
                        walker.Dispose();
                    }
                }

                var offsets = new EntityOffsets();
                var message = MessageParsing.ParseMessage(source, input.DisplayName, cancellationToken, offsets);
                return Summarize(message, input.Path, null, null, size, temporaryFolder, resolveRecipient, input.DisplayName, offsets, cancellationToken);
            });
        }

        /// <summary>
        /// Inspects each message of an mbox file in turn, streaming: one summary per message, in order. A message
        /// that cannot be inspected goes to <paramref name="problem"/> and the rest still come; damage that stops
        /// the parser ends the file with one problem.
        /// </summary>
        public static IEnumerable<MessageSummary> InspectMbox(MessageInput input, string temporaryFolder, Action<SmimeException> problem,
            Func<EnvelopedRecipient, string?>? resolveRecipient = null, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(problem);
            using var source = input.Open();
            var offsets = new EntityOffsets();
            var parser = offsets.Watch(new MimeParser(source, MimeFormat.Mbox, persistent: source.CanSeek), source);
            var index = 0;
            while (!parser.IsEndOfStream)
            {
                cancellationToken.ThrowIfCancellationRequested();
                MimeMessage message;
                long offset;
                try
                {
                    message = parser.ParseMessage(cancellationToken);
                    offset = parser.MboxMarkerOffset;
                }
                catch (FormatException e)
                {
                    if (index == 0)
                    {
                        problem(MessageParsing.Malformed(input.DisplayName, "it is not an mbox file (no \"From \" line starts it)", e));
                    }
                    else
                    {
                        problem(MessageParsing.Malformed($"{input.DisplayName} after message {index}", "the mbox file cannot be read further", e));
                    }

                    yield break;
                }

                index++;
                var name = $"{input.DisplayName} (message {index})";
                var end = parser.Position;
                MessageSummary? summary = null;
                try
                {
                    summary = message.Body == null
                        ? throw MessageParsing.Malformed(name, "it has headers but no body", null)
                        : Guard(name, () => Summarize(message, input.Path, index, offset, end - offset, temporaryFolder, resolveRecipient, name, offsets, cancellationToken, fromMbox: true));
                }
                catch (SmimeException e)
                {
                    problem(e);
                }

                if (summary != null)
                {
                    yield return summary;
                }
            }
        }

        /// <summary>Turns failures of malformed data that the readers do not wrap into MalformedMessage.</summary>
        private static T Guard<T>(string displayName, Func<T> action)
        {
            try
            {
                return action();
            }
            catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException or InvalidDataException
                or EndOfStreamException or InvalidCastException or ArgumentException or InvalidOperationException or NotSupportedException
                or IOException and not FileNotFoundException)
            {
                throw MessageParsing.Malformed(displayName, $"its protection layers cannot be read ({e.Message})", e);
            }
        }

        private static MessageSummary Summarize(MimeMessage message, string? path, int? index, long? offset, long? size, string temporaryFolder,
            Func<EnvelopedRecipient, string?>? resolveRecipient, string displayName, EntityOffsets offsets, CancellationToken cancellationToken,
            bool fromMbox = false)
        {
            using var walker = new Walker(temporaryFolder, resolveRecipient, displayName, cancellationToken, offsets) { FromMbox = fromMbox };
            walker.Walk(LayerContent.Of(message.Body!));
            var summary = walker.Summary(message, path, index, offset, size, message.Body!.ContentType.MimeType);
            return summary;
        }

        /// <summary>Goes down the layers of one message, keeping the scratch files until the summary is made.</summary>
        private sealed class Walker : IDisposable
        {
            private readonly string _folder;
            private readonly Func<EnvelopedRecipient, string?>? _resolve;
            private readonly string _name;
            private readonly CancellationToken _cancel;
            private readonly List<TemporaryFile> _scratch = new();
            private readonly List<MessageLayer> _layers = new();
            private readonly EntityOffsets _offsets;
            private LayerContent? _inner;
            private bool _hidden;

            public Walker(string folder, Func<EnvelopedRecipient, string?>? resolve, string name, CancellationToken cancel, EntityOffsets? offsets = null)
            {
                _folder = folder;
                _resolve = resolve;
                _name = name;
                _cancel = cancel;
                _offsets = offsets ?? new EntityOffsets();
            }

            /// <summary>The message was read from an mbox file, which may have quoted its "From " lines.</summary>
            public bool FromMbox { get; init; }

            public void WalkCms(Stream encoded)
            {
                var next = OpenCms(encoded);
                if (next != null)
                {
                    Walk(next);
                }
            }

            public void Walk(LayerContent current)
            {
                while (true)
                {
                    _cancel.ThrowIfCancellationRequested();
                    _inner = current;
                    if (_layers.Count >= MaximumDepth)
                    {
                        throw MessageParsing.Malformed(_name, $"it has more than {MaximumDepth} nested protection layers", null);
                    }

                    if (current.IsPkcs7Mime)
                    {
                        LayerContent? next;
                        using (var encoded = current.OpenDecodedBody())
                        {
                            next = OpenCms(encoded);
                        }

                        if (next == null)
                        {
                            return;
                        }

                        current = next;
                    }
                    else if (current.IsMultipartSigned && current.Parse(_cancel) is Multipart { Count: >= 2 } signed)
                    {
                        _layers.Add(Detached(signed));
                        current = LayerContent.Of(signed[0]);
                    }
                    else
                    {
                        return;
                    }
                }
            }

            /// <summary>Reads one CMS layer; returns what is inside it, or null when it is encrypted.</summary>
            private LayerContent? OpenCms(Stream encoded)
            {
                var (kind, content) = CmsContentKindProbe.Identify(encoded);
                switch (kind)
                {
                    case CmsContentKind.EnvelopedData:
                    case CmsContentKind.AuthEnvelopedData:
                        var reader = EnvelopedDataReader.Open(content);
                        _layers.Add(new MessageLayer
                        {
                            Kind = reader.IsAuthenticated ? LayerKind.AuthEnveloped : LayerKind.Enveloped,
                            Algorithm = reader.ContentEncryptionAlgorithmName,
                            IsWeak = reader.IsWeak,
                            Recipients = reader.Recipients.Select(Recipient).ToArray(),
                            Note = "What is inside is not known without a key.",
                        });
                        _hidden = true;
                        _inner = null;
                        return null;
                    case CmsContentKind.SignedData:
                    {
                        var next = NewScratch();
                        var signed = SignedDataReader.ReadEncapsulated(content, next.Stream, cancellationToken: _cancel);
                        _layers.Add(new MessageLayer
                        {
                            Kind = LayerKind.OpaqueSigned,
                            Algorithm = signed.DigestAlgorithmNames,
                            IsWeak = signed.IsWeak,
                            Signers = signed.Signers.Select(Signer).ToArray(),
                        });
                        return LayerContent.Of(next, _cancel, _offsets);
                    }

                    case CmsContentKind.CompressedData:
                    {
                        var next = NewScratch();
                        CompressedDataReader.Decompress(content, next.Stream, _cancel);
                        _layers.Add(new MessageLayer { Kind = LayerKind.Compressed, Algorithm = "zlib" });
                        return LayerContent.Of(next, _cancel, _offsets);
                    }

                    default:
                        throw MessageParsing.Malformed(_name, $"its S/MIME part holds CMS content of a kind that cannot be inspected ({kind})", null);
                }
            }

            /// <summary>multipart/signed: the signature checked against the first part's bytes as they are in the message.</summary>
            private MessageLayer Detached(Multipart signed)
            {
                var micalg = signed.ContentType.Parameters["micalg"];
                if (signed[1] is not MimePart { Content: { } signature })
                {
                    return new MessageLayer { Kind = LayerKind.DetachedSigned, Algorithm = micalg, Note = "The signature part is empty." };
                }

                try
                {
                    // The bytes as they are in the message, as Test-SmimeSignature checks them.
                    var located = SignedContent.Locate(signed, _offsets, _name);
                    var result = CheckDetached(signature, located.Open());
                    string? note = null;
                    if (FromMbox && result.Signers.Any(s => s.Status == SignerStatus.DigestMismatch))
                    {
                        // An mbox file quotes body lines that start with "From ": try again with the quoting undone.
                        var unquoted = CheckDetached(signature, new MboxUnquotingStream(located.Open()));
                        if (unquoted.Signers.Count == result.Signers.Count && unquoted.Signers.All(s => s.Status != SignerStatus.DigestMismatch))
                        {
                            result = unquoted;
                            note = "The signed content matches once the mbox file's quoting of lines that start with \"From \" is undone.";
                        }
                    }

                    return new MessageLayer
                    {
                        Kind = LayerKind.DetachedSigned,
                        Algorithm = result.Signers.Count > 0 ? result.DigestAlgorithmNames : micalg,
                        IsWeak = result.IsWeak,
                        Signers = result.Signers.Select(Signer).ToArray(),
                        Note = note,
                    };
                }
                catch (SmimeException e)
                {
                    return new MessageLayer { Kind = LayerKind.DetachedSigned, Algorithm = micalg, Note = "The signature cannot be read: " + e.Message };
                }
            }

            private SignedDataResult CheckDetached(IMimeContent signature, Stream content)
            {
                using (content)
                using (var signatureStream = signature.Open())
                {
                    return SignedDataReader.ReadDetached(signatureStream, content, cancellationToken: _cancel);
                }
            }

            private MessageRecipient Recipient(EnvelopedRecipient recipient)
            {
                string? email = null;
                try
                {
                    email = _resolve?.Invoke(recipient);
                }
                catch (SmimeException)
                {
                    // Resolving addresses is a courtesy: a store that cannot be read leaves the address unknown.
                }

                return new MessageRecipient
                {
                    Kind = recipient.Kind,
                    Issuer = recipient.Issuer,
                    SerialNumber = recipient.SerialNumber,
                    SubjectKeyIdentifier = recipient.SubjectKeyIdentifier ?? recipient.KeyIdentifier,
                    KeyEncryptionAlgorithm = recipient.KeyWrapAlgorithm != null
                        ? $"{recipient.KeyEncryptionAlgorithm} / {recipient.KeyWrapAlgorithm}"
                        : recipient.KeyEncryptionAlgorithm,
                    Email = email,
                };
            }

            private static MessageSigner Signer(SignerResult signer) => new()
            {
                Subject = signer.Certificate?.Subject ?? signer.SignerIdentifier.ToString(),
                Email = signer.Certificate == null ? null : CertificateFacts.GetEmails(signer.Certificate).FirstOrDefault(),
                SigningTime = signer.SigningTime,
                DigestAlgorithm = CmsOid.FriendlyName(signer.DigestAlgorithmOid),
                SignatureAlgorithm = CmsOid.FriendlyName(signer.SignatureAlgorithmOid),
                Status = signer.Status,
                Thumbprint = signer.Certificate?.Thumbprint,
                Problem = signer.Problem,
            };

            private TemporaryFile NewScratch()
            {
                var file = TemporaryFile.Create(_folder);
                _scratch.Add(file);
                return file;
            }

            public MessageSummary Summary(MimeMessage? message, string? path, int? index, long? offset, long? size, string contentType)
            {
                var attachments = new List<string>();
                string? inner = null;
                if (!_hidden && _inner != null)
                {
                    inner = _inner.ContentType.MimeType;
                    var entity = _inner.Parse(_cancel);
                    foreach (var part in Parts(entity))
                    {
                        if (part is MimePart mimePart && (mimePart.IsAttachment || (mimePart.FileName != null && part != entity)))
                        {
                            attachments.Add(mimePart.FileName ?? "(unnamed)");
                        }
                    }
                }

                var date = message?.Headers.Contains(HeaderId.Date) == true ? message.Date : (DateTimeOffset?)null;
                return new MessageSummary
                {
                    Path = path,
                    Index = index,
                    Offset = offset,
                    From = message?.From.ToString() ?? string.Empty,
                    To = message?.To.ToString() ?? string.Empty,
                    Cc = message?.Cc.ToString() ?? string.Empty,
                    Subject = message?.Subject ?? string.Empty,
                    Date = date,
                    MessageId = message?.MessageId,
                    ContentType = contentType,
                    Layers = _layers.ToArray(),
                    InnerContentType = inner,
                    Attachments = attachments,
                    Size = size,
                };
            }

            private static IEnumerable<MimeEntity> Parts(MimeEntity entity)
            {
                yield return entity;
                if (entity is Multipart multipart)
                {
                    foreach (var child in multipart.SelectMany(Parts))
                    {
                        yield return child;
                    }
                }
            }

            public void Dispose()
            {
                foreach (var file in _scratch)
                {
                    file.Dispose();
                }
            }
        }
    }
}
