using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using MimeKit;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Trust;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// Finds every signature of a message (multipart/signed, opaque signed-data, and signatures inside encrypted
    /// layers it has keys for), checks each signer's content, signature and certificate path, compares the signer's
    /// addresses with From and Sender, and says which MIME parts each signature covers.
    /// </summary>
    public static class SignatureVerifier
    {
        /// <summary>Verifies the message; an empty list means it carries no signature that could be reached.</summary>
        /// <remarks>
        /// The message is parsed in place and opened layers go through scratch files in
        /// <see cref="SignatureVerifyOptions.TemporaryFolder"/>, so memory does not grow with message size. A bare CMS
        /// file (DER, starting with a SEQUENCE) is read as the message's first protection layer.
        /// </remarks>
        /// <exception cref="SmimeException"><see cref="ErrorIds.MalformedMessage"/> when the message or a layer cannot be read.</exception>
        public static IReadOnlyList<SignatureResult> Verify(MessageInput input, SignatureVerifyOptions options, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(options);
            using var source = input.Open();
            using var walk = new Walk(input, options, cancellationToken);
            if (source.ReadByte() == 0x30)
            {
                // A bare CMS file (.p7m or .p7s as DER, as analysts are sent them): the whole file is the first layer.
                source.Position = 0;
                if (!walk.VisitCms(source, string.Empty, "body application/pkcs7-mime", 0, insideEncryption: false, new List<int>()))
                {
                    throw MessageParsing.Malformed(input.DisplayName, "it is DER but not a signed, encrypted or compressed CMS message", null);
                }

                return walk.Finish();
            }

            source.Position = 0;
            var message = walk.ParseMessage(source);
            walk.Addresses = message.From.Mailboxes.Concat(message.Sender != null ? new[] { message.Sender } : Array.Empty<MailboxAddress>())
                .Select(m => m.Address).Where(a => !string.IsNullOrEmpty(a)).Distinct(EmailAddressComparer.Instance).ToArray();
            walk.Visit(message.Body!, string.Empty, 0, insideEncryption: false, covering: new List<int>());
            return walk.Finish();
        }

        private sealed class Walk : IDisposable
        {
            /// <summary>A decoded signature part larger than this goes to a scratch file rather than memory.</summary>
            private const int SignatureInMemory = 4 << 20;

            private readonly MessageInput _input;
            private readonly SignatureVerifyOptions _options;
            private readonly CancellationToken _ct;
            private readonly EntityOffsets _offsets = new();
            private readonly List<TemporaryFile> _scratch = new();
            private readonly List<(string Label, List<int> Covering)> _leaves = new();
            private readonly List<List<SignatureResult>> _signatures = new();

            public Walk(MessageInput input, SignatureVerifyOptions options, CancellationToken ct)
            {
                _input = input;
                _options = options;
                _ct = ct;
            }

            public string[] Addresses { get; set; } = Array.Empty<string>();

            public MimeMessage ParseMessage(Stream source)
            {
                var parser = _offsets.Watch(new MimeParser(source, MimeFormat.Entity, persistent: true), source);
                try
                {
                    var message = parser.ParseMessage(_ct);
                    if (message.Body == null)
                    {
                        throw MessageParsing.Malformed(_input.DisplayName, "it has headers but no body", null);
                    }

                    return message;
                }
                catch (FormatException e)
                {
                    throw MessageParsing.Malformed(_input.DisplayName, "it is not a MIME message (no headers could be read)", e);
                }
            }

            /// <summary>The content of an opened layer as an entity; content that is not MIME becomes a part holding it as it is.</summary>
            private MimeEntity ParseEntity(Stream source)
            {
                source.Position = 0;
                var parser = _offsets.Watch(new MimeParser(source, MimeFormat.Entity, persistent: true), source);
                try
                {
                    return parser.ParseEntity(_ct);
                }
                catch (FormatException)
                {
                    source.Position = 0;
                    return MessageParsing.ParseEntity(source, _ct, out _);
                }
            }

            private TemporaryFile NewScratch()
            {
                var file = TemporaryFile.Create(_options.TemporaryFolder);
                _scratch.Add(file);
                return file;
            }

            public void Visit(MimeEntity entity, string path, int depth, bool insideEncryption, List<int> covering)
            {
                _ct.ThrowIfCancellationRequested();
                if (depth > _options.MaximumDepth)
                {
                    throw MessageParsing.Malformed(_input.DisplayName, $"it nests more than {_options.MaximumDepth} MIME levels or protection layers", null);
                }

                if (entity is Multipart { Count: 2 } signed && signed.ContentType.IsMimeType("multipart", "signed") && signed[1] is MimePart signaturePart)
                {
                    var content = SignedContent.Locate(signed, _offsets, _input.DisplayName);
                    var signature = DecodeSignature(signaturePart);
                    SignedDataResult result;
                    using (var stream = content.Open())
                    {
                        signature.Position = 0;
                        result = SignedDataReader.ReadDetached(signature, stream, _options.Validation.ExtraCertificates, _ct);
                    }

                    var index = Add(result, "multipart/signed" + (insideEncryption ? " inside an encrypted layer" : string.Empty),
                        () => (content.ReadAll(ContentDamage.MaxContentLength), signature is MemoryStream memory ? memory.ToArray() : null));
                    Visit(signed[0], Child(path, 1), depth + 1, insideEncryption, With(covering, index));
                    _leaves.Add((Label(Child(path, 2), signaturePart) + " (the signature)", With(covering, index)));
                    return;
                }

                if (entity is Multipart multipart)
                {
                    for (var i = 0; i < multipart.Count; i++)
                    {
                        Visit(multipart[i], Child(path, i + 1), depth + 1, insideEncryption, covering);
                    }

                    return;
                }

                if (entity is MessagePart)
                {
                    // An attached message is a part of its own; signatures inside it are the attached message's, not checked here.
                    _leaves.Add((Label(path, entity), covering));
                    return;
                }

                if (entity is MimePart part && MessageUnprotector.IsPkcs7Mime(part.ContentType, part.FileName) && part.Content != null)
                {
                    using var decoded = TransferDecoding.Open(part.Content);
                    if (VisitCms(decoded, path, Label(path, entity), depth, insideEncryption, covering))
                    {
                        return;
                    }
                }

                _leaves.Add((Label(path, entity), covering));
            }

            /// <summary>A CMS layer: signatures are checked and what is inside visited; false when it is CMS of another kind.</summary>
            public bool VisitCms(Stream decoded, string path, string label, int depth, bool insideEncryption, List<int> covering)
            {
                var (kind, cms) = CmsContentKindProbe.Identify(decoded);
                switch (kind)
                {
                    case CmsContentKind.SignedData:
                    {
                        var inner = NewScratch();
                        var result = SignedDataReader.ReadEncapsulated(cms, inner.Stream, _options.Validation.ExtraCertificates, _ct);
                        var index = Add(result, "application/pkcs7-mime (opaque)" + (insideEncryption ? " inside an encrypted layer" : string.Empty), null);
                        VisitLayer(inner, path, depth, insideEncryption, With(covering, index));
                        return true;
                    }

                    case CmsContentKind.EnvelopedData:
                    case CmsContentKind.AuthEnvelopedData:
                    {
                        if (_options.Keys.Count == 0)
                        {
                            _leaves.Add((label + " (encrypted, not opened: give keys to look inside)", covering));
                            return true;
                        }

                        var inner = NewScratch();
                        try
                        {
                            EnvelopedDataReader.Decrypt(cms, inner.Stream, _options.Keys, _ct);
                        }
                        catch (SmimeException e) when (e.ErrorId is ErrorIds.NoDecryptionKey or ErrorIds.DecryptionFailed)
                        {
                            _leaves.Add((label + " (encrypted, could not be opened: " + e.Message + ")", covering));
                            return true;
                        }

                        VisitLayer(inner, path, depth, insideEncryption: true, covering);
                        return true;
                    }

                    case CmsContentKind.CompressedData:
                    {
                        var inner = NewScratch();
                        CompressedDataReader.Decompress(cms, inner.Stream, _ct);
                        VisitLayer(inner, path, depth, insideEncryption, covering);
                        return true;
                    }

                    default:
                        return false;
                }
            }

            /// <summary>The signature part decoded: in memory when small, in a scratch file otherwise.</summary>
            private Stream DecodeSignature(MimePart signaturePart)
            {
                var encodedLength = signaturePart.Content?.Stream is { CanSeek: true } raw ? raw.Length : 0;
                Stream decoded = encodedLength > SignatureInMemory ? NewScratch().Stream : new MemoryStream();
                signaturePart.Content?.DecodeTo(decoded, _ct);
                return decoded;
            }

            private void VisitLayer(TemporaryFile inner, string path, int depth, bool insideEncryption, List<int> covering) =>
                Visit(ParseEntity(inner.Rewind()), path + (path.Length == 0 ? string.Empty : " ") + ">", depth + 1, insideEncryption, covering);

            private static string Child(string path, int number) => path.Length == 0 || path.EndsWith('>') ? path + number : path + "." + number;

            private static List<int> With(List<int> covering, int index) => new(covering) { index };

            private static string Label(string path, MimeEntity entity)
            {
                var name = entity is MimePart { FileName: { } file } ? " " + file : string.Empty;
                return $"{(path.Length == 0 ? "body" : path)} {entity.ContentType.MimeType}{name}";
            }

            public void Dispose()
            {
                foreach (var file in _scratch)
                {
                    file.Dispose();
                }
            }

            // detached: for a detached signature, reads its content and signature back (to guess at list damage).
            private int Add(SignedDataResult data, string kind, Func<(byte[]? Content, byte[]? Signature)>? detached)
            {
                var results = new List<SignatureResult>();
                foreach (var signer in data.Signers)
                {
                    results.Add(Judge(signer, data, kind, detached));
                }

                if (data.Signers.Count == 0)
                {
                    // A SignedData without signers signs nothing: report it rather than let it pass unnoticed.
                    results.Add(new SignatureResult
                    {
                        Path = _input.Path, Name = Name, SignatureKind = kind, Signer = "(no signer)",
                        Problems = new[] { new SignatureProblem(SignatureStatus.MalformedSignature, "The signature has no signer: it signs nothing.") },
                    });
                }

                _signatures.Add(results);
                return _signatures.Count - 1;
            }

            private string Name => _input.Path != null ? System.IO.Path.GetFileName(_input.Path) : _input.DisplayName;

            private SignatureResult Judge(SignerResult signer, SignedDataResult data, string kind, Func<(byte[]? Content, byte[]? Signature)>? detached)
            {
                var problems = new List<SignatureProblem>();
                switch (signer.Status)
                {
                    case SignerStatus.DigestMismatch:
                        var (detachedContent, signature) = detached?.Invoke() ?? (null, null);
                        problems.Add(new SignatureProblem(SignatureStatus.ContentModified,
                            "The content was changed after it was signed: its digest does not match the signed one." + ContentDamage.Explain(detachedContent, signature, data.Signers.ToList().IndexOf(signer), _ct)));
                        break;
                    case SignerStatus.BadSignature:
                        problems.Add(new SignatureProblem(SignatureStatus.SignatureInvalid, "The signature does not verify with the public key of the signer's certificate: the signed attributes were changed or another key signed."));
                        break;
                    case SignerStatus.CertificateNotFound:
                        problems.Add(new SignatureProblem(SignatureStatus.CertificateMissing, $"The signer's certificate ({signer.SignerIdentifier}) is not in the message; give it with -ExtraCertificate to check the signature."));
                        break;
                    case SignerStatus.UnsupportedAlgorithm:
                        problems.Add(new SignatureProblem(SignatureStatus.UnsupportedAlgorithm, signer.Problem ?? "The signature uses an algorithm this module does not implement."));
                        break;
                    case SignerStatus.MalformedSignerInfo:
                    case SignerStatus.ContentUnavailable:
                        problems.Add(new SignatureProblem(SignatureStatus.MalformedSignature, signer.Problem ?? "The signer information is malformed."));
                        break;
                }

                if (signer.IsWeakAlgorithm)
                {
                    var broken = signer.DigestAlgorithmOid == CmsOid.Md5 || signer.SignatureAlgorithmOid == CmsOid.Md5WithRsa;
                    problems.Add(new SignatureProblem(SignatureStatus.WeakAlgorithm,
                        $"The signature uses a weak algorithm ({CmsOid.FriendlyName(signer.DigestAlgorithmOid)}, {CmsOid.FriendlyName(signer.SignatureAlgorithmOid)})"
                        + (broken ? ": MD5 signatures can be forged." : "; it can still be checked, but should be replaced."), broken));
                }

                PathValidationResult? validation = null;
                string[] emails = Array.Empty<string>();
                if (signer.Certificate != null)
                {
                    validation = PathValidator.Validate(signer.Certificate, data.Certificates, data.Crls, _options.Validation, _ct);
                    foreach (var trust in validation.Problems)
                    {
                        problems.Add(new SignatureProblem(Map(trust.Code), trust.Message, trust.IsError));
                    }

                    emails = CertificateFacts.GetEmails(signer.Certificate);
                    if (Addresses.Length > 0 && !Addresses.Any(a => emails.Contains(a, EmailAddressComparer.Instance)))
                    {
                        problems.Add(new SignatureProblem(SignatureStatus.EmailMismatch, emails.Length == 0
                            ? $"The signer's certificate names no e-mail address, so it cannot vouch for the sender {string.Join(", ", Addresses)}."
                            : $"The message is from {string.Join(", ", Addresses)}, but the signer's certificate is for {string.Join(", ", emails)}: someone else may have signed it."));
                    }
                }

                return new SignatureResult
                {
                    Path = _input.Path,
                    Name = Name,
                    SignatureKind = kind,
                    Problems = problems.OrderBy(p => p.IsError ? 0 : 1).ThenBy(p => p.Code).ToArray(),
                    SignerEmail = emails.FirstOrDefault(),
                    Signer = signer.Certificate?.Subject ?? signer.SignerIdentifier.ToString(),
                    Certificate = signer.Certificate,
                    Chain = validation?.Chain ?? Array.Empty<X509Certificate2>(),
                    SigningTime = signer.SigningTime,
                    ValidationTime = validation?.ValidationTime ?? _options.Validation.At ?? DateTimeOffset.UtcNow,
                    DigestAlgorithm = CmsOid.FriendlyName(signer.DigestAlgorithmOid),
                    SignatureAlgorithm = CmsOid.FriendlyName(signer.SignatureAlgorithmOid),
                    SmimeCapabilities = signer.Capabilities,
                    MessageAddresses = Addresses,
                    RevocationChecks = validation?.RevocationChecks ?? Array.Empty<RevocationCheck>(),
                    Countersignatures = signer.Countersignatures,
                    SignerInfo = signer,
                    Validation = validation,
                };
            }

            private static SignatureStatus Map(TrustProblemCode code) => code switch
            {
                TrustProblemCode.Revoked => SignatureStatus.Revoked,
                TrustProblemCode.UntrustedRoot => SignatureStatus.UntrustedRoot,
                TrustProblemCode.PartialChain => SignatureStatus.PartialChain,
                TrustProblemCode.Expired => SignatureStatus.Expired,
                TrustProblemCode.NotYetValid => SignatureStatus.NotYetValid,
                TrustProblemCode.KeyUsageNotPermitted => SignatureStatus.KeyUsageNotPermitted,
                TrustProblemCode.RevocationUnknown => SignatureStatus.RevocationUnknown,
                TrustProblemCode.WeakAlgorithm => SignatureStatus.WeakAlgorithm,
                TrustProblemCode.WeakKey => SignatureStatus.WeakKey,
                _ => SignatureStatus.ChainInvalid,
            };

            public IReadOnlyList<SignatureResult> Finish()
            {
                var all = new List<SignatureResult>();
                for (var i = 0; i < _signatures.Count; i++)
                {
                    var covered = _leaves.Where(l => l.Covering.Contains(i)).Select(l => l.Label).ToArray();
                    var uncovered = _leaves.Where(l => !l.Covering.Contains(i)).Select(l => l.Label).ToArray();
                    foreach (var result in _signatures[i])
                    {
                        result.CoveredParts = covered;
                        result.UncoveredParts = uncovered;
                        all.Add(result);
                    }
                }

                return all;
            }
        }
    }
}
