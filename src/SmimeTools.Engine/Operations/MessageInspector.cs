using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using MimeKit;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Messages;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Looks at messages without keys: the protection layers, their algorithms, recipients and signers. It never
    /// decrypts and stops at an encrypted layer; opaque-signed and compressed layers are opened through scratch
    /// files, so no message is held in memory.
    /// </summary>
    public static class MessageInspector
    {
        /// <summary>How many layers deep inspection goes before calling the message malformed.</summary>
        public const int MaximumDepth = LayerWalker.DefaultMaximumDepth;

        /// <summary>Inspects the single message (or bare CMS .p7m file) of <paramref name="input"/>.</summary>
        /// <remarks>resolveRecipient gives the address of a recipient where a store knows it; it may be null.</remarks>
        /// <exception cref="SmimeException"><see cref="ErrorIds.MalformedMessage"/> for input that cannot be read as a message.</exception>
        public static MessageSummary Inspect(MessageInput input, string temporaryFolder, Func<EnvelopedRecipient, string?>? resolveRecipient = null,
            CancellationToken cancellationToken = default, InputLimits? limits = null)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(temporaryFolder);
            using var walker = new LayerWalker(input.DisplayName, temporaryFolder, cancellationToken) { Limits = limits ?? InputLimits.Default };
            var visitor = new Describing(walker, resolveRecipient, input.Path, index: null, offset: null, size: input.Length);
            walker.Walk(input, visitor);
            return visitor.Summary!;
        }

        /// <summary>
        /// Inspects each message of an mbox file in turn, streaming: one summary per message, in order. A message
        /// that cannot be inspected goes to <paramref name="problem"/> and the rest still come; damage that stops
        /// the parser ends the file with one problem.
        /// </summary>
        public static IEnumerable<MessageSummary> InspectMbox(MessageInput input, string temporaryFolder, Action<SmimeException> problem,
            Func<EnvelopedRecipient, string?>? resolveRecipient = null, CancellationToken cancellationToken = default, InputLimits? limits = null)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(problem);
            limits ??= InputLimits.Default;
            using var source = input.Open();
            var offsets = new EntityOffsets();
            foreach (var (message, index, offset, end) in LayerWalker.ReadMbox(source, input.DisplayName, offsets, problem, limits, cancellationToken))
            {
                MessageSummary? summary = null;
                try
                {
                    using var walker = new LayerWalker($"{input.DisplayName} (message {index})", temporaryFolder, cancellationToken, offsets) { FromMbox = true, Limits = limits };
                    var visitor = new Describing(walker, resolveRecipient, input.Path, index, offset, end - offset);
                    walker.Walk(message, visitor);
                    summary = visitor.Summary;
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

        /// <summary>Goes down the layers of one message and makes its summary while the scratch files are still there.</summary>
        private sealed class Describing : LayerVisitor
        {
            private readonly LayerWalker _walker;
            private readonly Func<EnvelopedRecipient, string?>? _resolve;
            private readonly string? _path;
            private readonly int? _index;
            private readonly long? _offset;
            private readonly long? _size;
            private readonly CancellationToken _cancel;
            private readonly List<MessageLayer> _layers = new();
            private MimeMessage? _message;
            private LayerContent? _inner;

            public Describing(LayerWalker walker, Func<EnvelopedRecipient, string?>? resolve, string? path, int? index, long? offset, long? size)
            {
                _walker = walker;
                _resolve = resolve;
                _path = path;
                _index = index;
                _offset = offset;
                _size = size;
                _cancel = walker.Cancellation;
            }

            public MessageSummary? Summary { get; private set; }

            public override void Begin(MimeMessage? message) => _message = message;

            public override LayerStep OpenCms(CmsContentKind kind, Stream content, Stream destination, LayerContent? part, LayerPosition at)
            {
                switch (kind)
                {
                    case CmsContentKind.EnvelopedData:
                    case CmsContentKind.AuthEnvelopedData:
                        // Never decrypted: what is inside is not known.
                        var reader = EnvelopedDataReader.Open(content);
                        _layers.Add(new MessageLayer
                        {
                            Kind = reader.IsAuthenticated ? LayerKind.AuthEnveloped : LayerKind.Enveloped,
                            Algorithm = reader.ContentEncryptionAlgorithmName,
                            IsWeak = reader.IsWeak,
                            Recipients = reader.Recipients.Select(Recipient).ToArray(),
                            Note = "What is inside is not known without a key.",
                        });
                        return LayerStep.Closed;
                    case CmsContentKind.SignedData:
                        var signed = SignedDataReader.ReadEncapsulated(content, destination, cancellationToken: _cancel, limits: _walker.Limits);
                        _layers.Add(new MessageLayer
                        {
                            Kind = LayerKind.OpaqueSigned,
                            Algorithm = signed.DigestAlgorithmNames,
                            IsWeak = signed.IsWeak,
                            Signers = signed.Signers.Select(Signer).ToArray(),
                        });
                        return LayerStep.Opened();
                    default:
                        CompressedDataReader.Decompress(content, destination, _cancel, _walker.Limits);
                        _layers.Add(new MessageLayer { Kind = LayerKind.Compressed, Algorithm = "zlib" });
                        return LayerStep.Opened();
                }
            }

            public override object? EnterSigned(Multipart signed, MimePart signature, LayerPosition at)
            {
                _layers.Add(Detached(signed, signature));
                return null;
            }

            public override void Leaf(LayerContent content, LayerPosition at, bool inOutput) => _inner = content;

            public override void End()
            {
                var attachments = new List<string>();
                string? inner = null;
                if (_inner != null)
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

                var message = _message;
                var date = message?.Headers.Contains(HeaderId.Date) == true ? message.Date : (DateTimeOffset?)null;
                Summary = new MessageSummary
                {
                    Path = _path,
                    Index = _index,
                    Offset = _offset,
                    From = message?.From.ToString() ?? string.Empty,
                    To = message?.To.ToString() ?? string.Empty,
                    Cc = message?.Cc.ToString() ?? string.Empty,
                    Subject = message?.Subject ?? string.Empty,
                    Date = date,
                    MessageId = message?.MessageId,
                    ContentType = message?.Body!.ContentType.MimeType ?? "application/pkcs7-mime",
                    Layers = _layers.ToArray(),
                    InnerContentType = inner,
                    Attachments = attachments,
                    Size = _size,
                };
            }

            /// <summary>multipart/signed: the signature checked against the first part's bytes as they are in the message.</summary>
            private MessageLayer Detached(Multipart signed, MimePart signaturePart)
            {
                var micalg = signed.ContentType.Parameters["micalg"];
                if (signaturePart is not { Content: { } signature })
                {
                    return new MessageLayer { Kind = LayerKind.DetachedSigned, Algorithm = micalg, Note = "The signature part is empty." };
                }

                try
                {
                    // The bytes as they are in the message, as Test-SmimeSignature checks them.
                    var located = SignedContent.Locate(signed, _walker.Offsets, _walker.DisplayName);
                    var result = DetachedSignature.Check(signature.Open, located, _walker.FromMbox, null, _cancel, out var unquoted, _walker.Limits);
                    return new MessageLayer
                    {
                        Kind = LayerKind.DetachedSigned,
                        Algorithm = result.Signers.Count > 0 ? result.DigestAlgorithmNames : micalg,
                        IsWeak = result.IsWeak,
                        Signers = result.Signers.Select(Signer).ToArray(),
                        Note = unquoted ? "The signed content matches once the mbox file's quoting of lines that start with \"From \" is undone." : null,
                    };
                }
                catch (SmimeException e) when (e.Kind != SmimeErrorKind.LimitsExceeded)
                {
                    return new MessageLayer { Kind = LayerKind.DetachedSigned, Algorithm = micalg, Note = "The signature cannot be read: " + e.Message };
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
        }
    }
}
