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
            using var visitor = new Unwrapping(input, options, output, cancellationToken);
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

            public Unwrapping(MessageInput input, UnprotectOptions options, MessageOutput output, CancellationToken cancel)
            {
                _input = input;
                _options = options;
                _output = output;
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
                _target = _output.Open();
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
                _layers.Add(new RemovedLayer(LayerKind.DetachedSigned, signed.ContentType.Parameters["micalg"], false, null,
                    Array.Empty<string>(), Array.Empty<string>(), "The signature was removed without being checked."));
                return null;
            }

            public override void Leaf(LayerContent content, LayerPosition at, bool inOutput)
            {
                _final = content;
                _finalInTarget = inOutput;
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

                var target = _target!.Stream;
                if (!_finalInTarget)
                {
                    target.SetLength(_bodyStart);
                    target.Position = _bodyStart;
                    _final!.WriteTo(target, _cancel);
                }

                var bytes = _target.Commit();
                Result = new UnprotectResult(_input.Path, _output.Path, bytes, _layers,
                    _message?.From.ToString(), _message?.To.ToString(), _message?.Subject, _final!.ContentType.MimeType);
            }

            public void Dispose() => _target?.Dispose();

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

                        return new RemovedLayer(kind == CmsContentKind.AuthEnvelopedData ? LayerKind.AuthEnveloped : LayerKind.Enveloped,
                            decrypted.ContentAlgorithmName, decrypted.IsWeak, decrypted.OpenedByDescription,
                            decrypted.Recipients.Select(r => r.ToString()).ToArray(), Array.Empty<string>(), null);
                    case CmsContentKind.SignedData:
                        var signed = SignedDataReader.ReadEncapsulated(content, destination, cancellationToken: _cancel, limits: _options.Limits);
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
