using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using MimeKit;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Messages;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Takes off every protection layer it can: decrypts enveloped and auth-enveloped data, unwraps opaque signed
    /// data, decompresses, and descends nested layers. Each layer is opened into the output file; one that holds
    /// another layer moves to a scratch file first, so memory does not grow with message size and the message itself
    /// is written once. Nothing reaches the destination unless every layer opened.
    /// </summary>
    public static class MessageUnprotector
    {
        /// <remarks>A bare CMS file (.p7m as DER) is read as the first layer; its content is then the whole output.</remarks>
        public static UnprotectResult Unprotect(MessageInput input, UnprotectOptions options, MessageOutput output, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(options);
            ArgumentNullException.ThrowIfNull(output);

            using var walker = new LayerWalker(input.DisplayName, output.TemporaryFolder, cancellationToken) { Limits = options.Limits };
            using var visitor = new Unwrapping(input, options, output, walker.Offsets, cancellationToken);
            walker.Walk(input, visitor);
            return visitor.Result!;
        }

        /// <summary>Opens each layer of the chain into the output after the message's own headers, and commits it at the end.</summary>
        private sealed class Unwrapping : LayerVisitor, IDisposable
        {
            private readonly MessageInput _input;
            private readonly UnprotectOptions _options;
            private readonly MessageOutput _output;
            private readonly CancellationToken _cancel;
            private readonly List<RemovedLayer> _layers = new();
            private MessageOutput.Target? _target;
            private MimeMessage? _message;
            private long _bodyStart;
            private LayerContent? _final;
            private bool _finalInTarget;
            private readonly EntityOffsets _offsets;
            private bool _authenticatedEncryption;
            private bool _signatureVerifies;

            public Unwrapping(MessageInput input, UnprotectOptions options, MessageOutput output, EntityOffsets offsets, CancellationToken cancel)
            {
                _input = input;
                _options = options;
                _output = output;
                _offsets = offsets;
                _cancel = cancel;
            }

            public UnprotectResult? Result { get; private set; }

            public override bool OpensSignedLayers => _options.RemoveSignature;

            public override (Stream Stream, long Start)? InPlaceOutput => (_target!.Stream, _bodyStart);

            public override void Begin(MimeMessage? message)
            {
                // A layer is opened straight into the output after the message's headers: what is inside is usually the
                // message itself, which then needs no second copy.
                _message = message;
                // Decrypted or unwrapped content is smaller than the message it came in.
                _target = _output.Open(_input.Length ?? -1);
                if (message != null)
                {
                    OuterHeaders.Write(message, _target.Stream, _cancel);
                }

                _bodyStart = _target.Stream.Position;
            }

            public override LayerStep OpenCms(CmsContentKind kind, Stream cms, Stream destination, LayerContent? part, LayerPosition at)
            {
                _layers.Add(Open(kind, cms, destination));
                return LayerStep.Opened();
            }

            public override object? EnterSigned(Multipart signed, MimePart signature, LayerPosition at)
            {
                var signers = CheckDetached(signed, signature, _offsets);
                _layers.Add(new RemovedLayer(LayerKind.DetachedSigned, signed.ContentType.Parameters["micalg"], false, null,
                    Array.Empty<string>(), signers, "The signature was removed; it was checked mathematically only (trust in the signers was not checked)."));
                return null;
            }

            public override void Leaf(LayerContent content, LayerPosition at, bool inOutput)
            {
                _final = content;
                _finalInTarget = inOutput;
                if (content.IsMultipartSigned)
                {
                    // The signature stays on the content; whether it verifies says whether the content is authenticated.
                    CheckKeptSignature(content, inOutput);
                }

                if (content.IsBare && _layers.Count > 0)
                {
                    _layers[^1] = _layers[^1].WithNote("The protected content was not a MIME entity; it is kept as it is, as a " + content.ContentType.MimeType + " part.");
                }
            }

            public override void End()
            {
                if (_layers.Count == 0)
                {
                    var body = _message!.Body!.ContentType;
                    throw new SmimeException(ErrorIds.NotSmimeMessage, SmimeErrorKind.InvalidData,
                        $"The message {_input.DisplayName} has no S/MIME layer to remove (its body is {body.MimeType}).",
                        SmimeContentTypes.IsMultipartSigned(body)
                            ? "It is signed with multipart/signed, which stays readable as it is; add -RemoveSignature to strip the signature."
                            : "Nothing to do: the message is neither encrypted nor opaque-signed.",
                        _input.DisplayName);
                }

                var integrity = _signatureVerifies ? ContentIntegrity.Signed
                    : _authenticatedEncryption ? ContentIntegrity.AuthenticatedEncryption
                    : ContentIntegrity.None;
                if (integrity == ContentIntegrity.None && _options.RequireAuthenticated)
                {
                    throw new SmimeException(ErrorIds.UnauthenticatedContent, SmimeErrorKind.SecurityError,
                        $"The message {_input.DisplayName} was not opened: nothing authenticates its content ({string.Join(" > ", _layers)}, with no signature "
                        + "inside that verifies), so it may have been changed on the way (EFAIL) without any error; nothing was written.",
                        "Ask the sender to sign inside the encryption or to encrypt with AES-GCM (AuthEnvelopedData); to open it anyway, leave out -RequireAuthenticated.",
                        _input.DisplayName);
                }

                var target = _target!.Stream;
                if (!_finalInTarget)
                {
                    target.SetLength(_bodyStart);
                    target.Position = _bodyStart;
                    _final!.WriteTo(target, _cancel);
                }

                var bytes = _target.Commit();
                Result = new UnprotectResult(_input.Path, _output.Path, bytes, _layers,
                    _message?.From.ToString(), _message?.To.ToString(), _message?.Subject, _final!.ContentType.MimeType, integrity);
            }

            public void Dispose() => _target?.Dispose();

            /// <summary>A multipart/signed left on the content: parsed where it is (the output, or a scratch file) and its signature checked.</summary>
            private void CheckKeptSignature(LayerContent content, bool inOutput)
            {
                try
                {
                    var offsets = inOutput ? new EntityOffsets() : _offsets;
                    var entity = inOutput
                        ? MessageParsing.ParseEntity(new MimeKit.IO.BoundStream(_target!.Stream, _bodyStart, -1, leaveOpen: true), _input.DisplayName, _options.Limits, _cancel, out _, offsets)
                        : content.Parse(_cancel);
                    if (SmimeContentTypes.TryGetSigned(entity, out var signed, out var signature))
                    {
                        CheckDetached(signed, signature, offsets);
                    }
                }
                finally
                {
                    _target!.Stream.Position = _target.Stream.Length;
                }
            }

            /// <summary>Checks a multipart/signed signature over its content as it lies in the message; the signers, as RemovedLayer lists them.</summary>
            private string[] CheckDetached(Multipart signed, MimePart signaturePart, EntityOffsets offsets)
            {
                if (signaturePart is not { Content: { } signature })
                {
                    return Array.Empty<string>();
                }

                try
                {
                    var located = SignedContent.Locate(signed, offsets, _input.DisplayName);
                    var result = DetachedSignature.Check(signature.Open, located, false, null, _cancel, out _);
                    _signatureVerifies |= result.Signers.Any(s => s.Status == SignerStatus.Valid);
                    return result.Signers.Select(s => s.ToString()).ToArray();
                }
                catch (SmimeException)
                {
                    // A signature that cannot be read authenticates nothing; the content is still opened.
                    return Array.Empty<string>();
                }
            }

            private RemovedLayer Open(CmsContentKind kind, Stream content, Stream destination)
            {
                switch (kind)
                {
                    case CmsContentKind.EnvelopedData:
                    case CmsContentKind.AuthEnvelopedData:
                        DecryptionResult decrypted;
                        try
                        {
                            decrypted = EnvelopedDataReader.Decrypt(content, destination, _options.Keys, _cancel);
                        }
                        catch (DecryptionKeyNotFoundException e) when (_options.ResolveRecipient != null)
                        {
                            throw e.WithAddresses(_options.ResolveRecipient);
                        }

                        _authenticatedEncryption |= decrypted.IsAuthenticated;
                        return new RemovedLayer(kind == CmsContentKind.AuthEnvelopedData ? LayerKind.AuthEnveloped : LayerKind.Enveloped,
                            decrypted.ContentAlgorithmName, decrypted.IsWeak, decrypted.OpenedByDescription,
                            decrypted.Recipients.Select(r => r.ToString()).ToArray(), Array.Empty<string>(), null);
                    case CmsContentKind.SignedData:
                        var signed = SignedDataReader.ReadEncapsulated(content, destination, cancellationToken: _cancel, limits: _options.Limits);
                        _signatureVerifies |= signed.Signers.Any(s => s.Status == SignerStatus.Valid);
                        return new RemovedLayer(LayerKind.OpaqueSigned, signed.DigestAlgorithmNames, signed.IsWeak, null,
                            Array.Empty<string>(), signed.Signers.Select(s => s.ToString()).ToArray(),
                            "Signatures were checked mathematically only: trust in the signers and revocation were not checked.");
                    default:
                        CompressedDataReader.Decompress(content, destination, _cancel, _options.Limits);
                        return new RemovedLayer(LayerKind.Compressed, "zlib", false, null, Array.Empty<string>(), Array.Empty<string>(), null);
                }
            }
        }
    }
}
