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
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Trust;

namespace SmimeTools.Engine.Operations
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
            using var walker = new LayerWalker(input.DisplayName, options.TemporaryFolder, cancellationToken) { Limits = options.Limits, Tree = true };
            var visitor = new Checking(input, options, walker);
            walker.Walk(input, visitor);
            return visitor.Finish();
        }

        /// <summary>Checks every signature in the tree and records which leaf parts each one covers.</summary>
        private sealed class Checking : LayerVisitor
        {
            /// <summary>A decoded signature part larger than this goes to a scratch file rather than memory.</summary>
            private const int SignatureInMemory = 4 << 20;

            /// <summary>The mark of an encrypted layer; signatures' marks are their indexes.</summary>
            private static readonly object Encrypted = new();

            /// <summary>The mark of an attached message: its part and its own sender, whom its signatures are compared with.</summary>
            private sealed record Attached(string Part, string[] Addresses);

            private readonly MessageInput _input;
            private readonly SignatureVerifyOptions _options;
            private readonly LayerWalker _walker;
            private readonly CancellationToken _ct;
            private readonly List<(string Label, List<int> Covering)> _leaves = new();
            private readonly List<List<SignatureResult>> _signatures = new();

            public Checking(MessageInput input, SignatureVerifyOptions options, LayerWalker walker)
            {
                _input = input;
                _options = options;
                _walker = walker;
                _ct = walker.Cancellation;
            }

            private string[] Addresses { get; set; } = Array.Empty<string>();

            public override void Begin(MimeMessage? message)
            {
                if (message != null)
                {
                    Addresses = AddressesOf(message);
                }
            }

            /// <summary>
            /// Attached messages are gone into, and their signatures reported as theirs (AttachedMessage, their own sender):
            /// a signed message forwarded inside an unsigned one never makes the outer message look signed.
            /// </summary>
            public override object? EnterAttachedMessage(MimeMessage message, LayerPosition at) =>
                new Attached(at.Path.Length == 0 ? "body" : at.Path, AddressesOf(message));

            private static string[] AddressesOf(MimeMessage message) =>
                message.From.Mailboxes.Concat(message.Sender != null ? new[] { message.Sender } : Array.Empty<MailboxAddress>())
                    .Select(m => m.Address).Where(a => !string.IsNullOrEmpty(a)).Distinct(EmailAddressComparer.Instance).ToArray();

            private static Attached? AttachedAt(LayerPosition at) => at.Marks.OfType<Attached>().LastOrDefault();

            private static string Where(LayerPosition at) =>
                (Inside(at) ? " inside an encrypted layer" : string.Empty) + (AttachedAt(at) is { } attached ? $" in the attached message {attached.Part}" : string.Empty);

            public override object? EnterSigned(Multipart signed, MimePart signaturePart, LayerPosition at)
            {
                var content = SignedContent.Locate(signed, _walker.Offsets, _input.DisplayName);
                var signature = DecodeSignature(signaturePart);
                var result = DetachedSignature.Check(() => Rewound(signature), content, _walker.FromMbox, _options.Validation.ExtraCertificates, _ct, out _, _options.Limits);
                return Add(result, "multipart/signed" + Where(at), at,
                    () => (content.ReadAll(ContentDamage.MaxContentLength), signature is MemoryStream memory ? memory.ToArray() : null));
            }

            public override void SignaturePart(MimePart signature, LayerPosition at) =>
                _leaves.Add((Label(at.Path, signature.ContentType, signature.FileName) + " (the signature)", Covering(at)));

            public override void Leaf(LayerContent content, LayerPosition at, bool inOutput) =>
                _leaves.Add((Label(at.Path, content.ContentType, content.FileName), Covering(at)));

            public override LayerStep OpenCms(CmsContentKind kind, Stream cms, Stream destination, LayerContent? part, LayerPosition at)
            {
                var label = part == null ? "body application/pkcs7-mime" : Label(at.Path, part.ContentType, part.FileName);
                switch (kind)
                {
                    case CmsContentKind.SignedData:
                    {
                        var result = SignedDataReader.ReadEncapsulated(cms, destination, _options.Validation.ExtraCertificates, _ct, _options.Limits);
                        return LayerStep.Opened(Add(result, "application/pkcs7-mime (opaque)" + Where(at), at, null));
                    }

                    case CmsContentKind.EnvelopedData:
                    case CmsContentKind.AuthEnvelopedData:
                    {
                        if (_options.Keys.Count == 0)
                        {
                            _leaves.Add((label + " (encrypted, not opened: give keys to look inside)", Covering(at)));
                            return LayerStep.Closed;
                        }

                        try
                        {
                            EnvelopedDataReader.Decrypt(cms, destination, _options.Keys, _ct);
                        }
                        catch (SmimeException e) when (e.ErrorId is ErrorIds.NoDecryptionKey or ErrorIds.DecryptionFailed)
                        {
                            _leaves.Add((label + " (encrypted, could not be opened: " + e.Message + ")", Covering(at)));
                            return LayerStep.Closed;
                        }

                        return LayerStep.Opened(Encrypted);
                    }

                    default:
                        CompressedDataReader.Decompress(cms, destination, _ct, _options.Limits);
                        return LayerStep.Opened();
                }
            }

            /// <summary>The signature part decoded: in memory when small, in a scratch file otherwise.</summary>
            private Stream DecodeSignature(MimePart signaturePart)
            {
                var encodedLength = signaturePart.Content?.Stream is { CanSeek: true } raw ? raw.Length : 0;
                Stream decoded = encodedLength > SignatureInMemory ? _walker.NewScratch().Stream : new MemoryStream();
                signaturePart.Content?.DecodeTo(decoded, _ct);
                return decoded;
            }

            private static Stream Rewound(Stream stream)
            {
                stream.Position = 0;
                return new MimeKit.IO.BoundStream(stream, 0, -1, leaveOpen: true);
            }

            private static bool Inside(LayerPosition at) => at.Marks.Contains(Encrypted);

            private static List<int> Covering(LayerPosition at) => at.Marks.OfType<int>().ToList();

            private static string Label(string path, ContentType type, string? fileName) =>
                $"{(path.Length == 0 ? "body" : path)} {type.MimeType}{(fileName != null ? " " + fileName : string.Empty)}";

            // detached: for a detached signature, reads its content and signature back (to guess at list damage).
            private int Add(SignedDataResult data, string kind, LayerPosition at, Func<(byte[]? Content, byte[]? Signature)>? detached)
            {
                var results = new List<SignatureResult>();
                var attached = AttachedAt(at);
                foreach (var signer in data.Signers)
                {
                    results.Add(Judge(signer, data, kind, attached, detached));
                }

                if (data.Signers.Count == 0)
                {
                    // A SignedData without signers signs nothing: report it rather than let it pass unnoticed.
                    results.Add(new SignatureResult
                    {
                        Path = _input.Path, Name = Name, SignatureKind = kind, Signer = "(no signer)", AttachedMessage = attached?.Part,
                        Problems = new[] { new SignatureProblem(SignatureStatus.MalformedSignature, "The signature has no signer: it signs nothing.") },
                    });
                }

                _signatures.Add(results);
                return _signatures.Count - 1;
            }

            private string Name => _input.Path != null ? System.IO.Path.GetFileName(_input.Path) : _input.DisplayName;

            private SignatureResult Judge(SignerResult signer, SignedDataResult data, string kind, Attached? attached, Func<(byte[]? Content, byte[]? Signature)>? detached)
            {
                var addresses = attached?.Addresses ?? Addresses;
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
                    validation = _options.Validations.Validate(signer.Certificate, data.Certificates, data.Crls, _options.Validation, _ct);
                    foreach (var trust in validation.Problems)
                    {
                        problems.Add(new SignatureProblem(Map(trust.Code), trust.Message, trust.IsError));
                    }

                    emails = CertificateFacts.GetEmails(signer.Certificate);
                    if (addresses.Length > 0 && !addresses.Any(a => emails.Contains(a, EmailAddressComparer.Instance)))
                    {
                        problems.Add(new SignatureProblem(SignatureStatus.EmailMismatch, emails.Length == 0
                            ? $"The signer's certificate names no e-mail address, so it cannot vouch for the sender {string.Join(", ", addresses)}."
                            : $"The message is from {string.Join(", ", addresses)}, but the signer's certificate is for {string.Join(", ", emails)}: someone else may have signed it."));
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
                    MessageAddresses = addresses,
                    AttachedMessage = attached?.Part,
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
