using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using MimeKit;
using SmimeTools.Engine.Cms;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// Takes off every protection layer it can: decrypts enveloped and auth-enveloped data, unwraps opaque signed
    /// data, decompresses, and descends nested layers. Each layer is opened into the output file; one that holds
    /// another layer moves to a scratch file first, so memory does not grow with message size and the message itself
    /// is written once. Nothing reaches the destination unless every layer opened.
    /// </summary>
    public static class MessageUnprotector
    {
        public static UnprotectResult Unprotect(MessageInput input, UnprotectOptions options, MessageOutput output, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(options);
            ArgumentNullException.ThrowIfNull(output);

            using var source = input.Open();
            var message = MessageParsing.ParseMessage(source, input.DisplayName, cancellationToken);
            var layers = new List<RemovedLayer>();
            var scratch = new List<TemporaryFile>();

            // A layer is opened straight into the output after the message's headers: what is inside is usually the
            // message itself, which then needs no second copy. Only when it holds another layer does it move to a
            // scratch file, to be opened in turn.
            using var target = output.Open();
            OuterHeaders.Write(message, target.Stream, cancellationToken);
            var bodyStart = target.Stream.Position;
            var finalInTarget = false;
            try
            {
                var current = LayerContent.Of(message.Body!);
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (layers.Count >= options.MaximumDepth)
                    {
                        throw MessageParsing.Malformed(input.DisplayName, $"it has more than {options.MaximumDepth} nested protection layers", null);
                    }

                    if (current.IsPkcs7Mime)
                    {
                        RemovedLayer layer;
                        target.Stream.SetLength(bodyStart);
                        target.Stream.Position = bodyStart;
                        using (var encoded = current.OpenDecodedBody())
                        {
                            layer = OpenLayer(encoded, target.Stream, options, input.DisplayName);
                        }

                        target.Stream.Flush();
                        var opened = HeaderBlock.Read(new MimeKit.IO.BoundStream(target.Stream, bodyStart, -1, leaveOpen: true));
                        if (opened != null && LayerContent.Of(opened) is { IsPkcs7Mime: false } written
                            && !(options.RemoveSignature && written.IsMultipartSigned))
                        {
                            // The message itself: it stays where it was written.
                            layers.Add(layer);
                            current = written;
                            finalInTarget = true;
                            break;
                        }

                        var next = TemporaryFile.Create(output.TemporaryFolder);
                        scratch.Add(next);
                        target.Stream.Position = bodyStart;
                        target.Stream.CopyTo(next.Stream, 1 << 16);
                        target.Stream.SetLength(bodyStart);
                        current = LayerContent.Of(next, cancellationToken);
                        layers.Add(current.IsBare
                            ? layer.WithNote("The protected content was not a MIME entity; it is kept as it is, as a " + current.ContentType.MimeType + " part.")
                            : layer);
                    }
                    else if (current.IsMultipartSigned && options.RemoveSignature && current.Parse(cancellationToken) is Multipart { Count: > 0 } signed)
                    {
                        layers.Add(new RemovedLayer(LayerKind.DetachedSigned, signed.ContentType.Parameters["micalg"], false, null,
                            Array.Empty<string>(), Array.Empty<string>(), "The signature was removed without being checked."));
                        current = LayerContent.Of(signed[0]);
                    }
                    else
                    {
                        break;
                    }
                }

                if (layers.Count == 0)
                {
                    throw new SmimeException(ErrorIds.NotSmimeMessage, SmimeErrorKind.InvalidData,
                        $"The message {input.DisplayName} has no S/MIME layer to remove (its body is {message.Body!.ContentType.MimeType}).",
                        message.Body!.ContentType.IsMimeType("multipart", "signed")
                            ? "It is signed with multipart/signed, which stays readable as it is; add -RemoveSignature to strip the signature."
                            : "Nothing to do: the message is neither encrypted nor opaque-signed.",
                        input.DisplayName);
                }

                if (!finalInTarget)
                {
                    target.Stream.SetLength(bodyStart);
                    target.Stream.Position = bodyStart;
                    current.WriteTo(target.Stream, cancellationToken);
                }

                var bytes = target.Commit();
                return new UnprotectResult(input.Path, output.Path, bytes, layers,
                    message.From.ToString(), message.To.ToString(), message.Subject, current.ContentType.MimeType);
            }
            finally
            {
                foreach (var file in scratch)
                {
                    file.Dispose();
                }
            }
        }

        /// <summary>application/pkcs7-mime, its x- form, or an octet-stream named *.p7m as some clients send it.</summary>
        internal static bool IsPkcs7Mime(ContentType type, string? fileName)
        {
            if (type.IsMimeType("application", "pkcs7-mime") || type.IsMimeType("application", "x-pkcs7-mime"))
            {
                return true;
            }

            var name = fileName ?? type.Name;
            return type.IsMimeType("application", "octet-stream") && name != null
                && (name.EndsWith(".p7m", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".p7z", StringComparison.OrdinalIgnoreCase));
        }

        private static RemovedLayer OpenLayer(Stream encoded, Stream destination, UnprotectOptions options, string displayName)
        {
            var (kind, content) = CmsContentKindProbe.Identify(encoded);
            switch (kind)
            {
                case CmsContentKind.EnvelopedData:
                case CmsContentKind.AuthEnvelopedData:
                    DecryptionResult decrypted;
                    try
                    {
                        decrypted = EnvelopedDataReader.Decrypt(content, destination, options.Keys);
                    }
                    catch (DecryptionKeyNotFoundException e) when (options.ResolveRecipient != null)
                    {
                        throw e.WithAddresses(options.ResolveRecipient);
                    }

                    return new RemovedLayer(kind == CmsContentKind.AuthEnvelopedData ? LayerKind.AuthEnveloped : LayerKind.Enveloped,
                        decrypted.ContentAlgorithmName, decrypted.IsWeak, decrypted.OpenedByDescription,
                        decrypted.Recipients.Select(r => r.ToString()).ToArray(), Array.Empty<string>(), null);
                case CmsContentKind.SignedData:
                    var signed = SignedDataReader.ReadEncapsulated(content, destination);
                    return new RemovedLayer(LayerKind.OpaqueSigned, signed.DigestAlgorithmNames, signed.IsWeak, null,
                        Array.Empty<string>(), signed.Signers.Select(s => s.ToString()).ToArray(),
                        "Signatures were checked mathematically only: trust in the signers and revocation were not checked.");
                case CmsContentKind.CompressedData:
                    CompressedDataReader.Decompress(content, destination);
                    return new RemovedLayer(LayerKind.Compressed, "zlib", false, null, Array.Empty<string>(), Array.Empty<string>(), null);
                default:
                    throw MessageParsing.Malformed(displayName, $"its S/MIME part holds CMS content of a kind that cannot be opened ({kind})", null);
            }
        }
    }
}
