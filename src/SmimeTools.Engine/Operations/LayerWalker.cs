using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using MimeKit;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Messages;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Takes a message apart layer by layer for every use case (unprotect, verify, inspect): it opens the input,
    /// reads a bare CMS file as the first layer, goes down application/pkcs7-mime and multipart/signed layers (and,
    /// in tree mode, every MIME part), limits the depth, keeps the scratch files the opened layers need until it is
    /// disposed, and turns damage the readers do not name into MalformedMessage. What happens at each layer is the
    /// visitor's.
    /// </summary>
    internal sealed class LayerWalker : IDisposable
    {
        /// <summary>How many MIME levels and protection layers deep a walk goes by default before refusing the message (NestingTooDeep).</summary>
        public const int DefaultMaximumDepth = InputLimits.DefaultNestingDepth;

        private readonly string _temporaryFolder;
        private readonly List<TemporaryFile> _scratch = new();

        public LayerWalker(string displayName, string temporaryFolder, CancellationToken cancellationToken, EntityOffsets? offsets = null)
        {
            DisplayName = displayName;
            _temporaryFolder = temporaryFolder;
            Cancellation = cancellationToken;
            Offsets = offsets ?? new EntityOffsets();
        }

        public string DisplayName { get; }

        public CancellationToken Cancellation { get; }

        /// <summary>Where each parsed entity lies, so a multipart/signed can be checked against its bytes as they are.</summary>
        public EntityOffsets Offsets { get; }

        /// <summary>The limits of this walk: its depth, and those the visitors pass on to the readers.</summary>
        public InputLimits Limits { get; init; } = InputLimits.Default;

        public int MaximumDepth => Limits.MaximumNestingDepth;

        /// <summary>Visit every MIME part of the message, not only the chain of layers its body is wrapped in.</summary>
        public bool Tree { get; init; }

        /// <summary>The message came from an mbox file, which may have quoted its "From " lines.</summary>
        public bool FromMbox { get; init; }

        /// <summary>Walks the message (or bare CMS file) of <paramref name="input"/>.</summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.MalformedMessage"/> when the input or a layer cannot be read.</exception>
        public void Walk(MessageInput input, LayerVisitor visitor)
        {
            using var source = input.Open();
            var first = source.ReadByte();
            source.Position = 0;
            Guard(() =>
            {
                if (first == 0x30)
                {
                    // A bare CMS file (.p7m or .p7s as DER, as analysts are sent them): the whole file is the first layer.
                    visitor.Begin(null);
                    if (!OpenCms(source, null, LayerPosition.Top, visitor))
                    {
                        throw MessageParsing.Malformed(DisplayName, "it is DER but not a signed, encrypted or compressed CMS message", null);
                    }
                }
                else
                {
                    var message = MessageParsing.ParseMessage(source, DisplayName, Limits, Cancellation, Offsets);
                    visitor.Begin(message);
                    Visit(LayerContent.Of(message.Body!), LayerPosition.Top, visitor);
                }

                visitor.End();
            });
        }

        /// <summary>Walks a message already parsed, as from an mbox file, whose source stays open meanwhile.</summary>
        public void Walk(MimeMessage message, LayerVisitor visitor)
        {
            if (message.Body == null)
            {
                throw MessageParsing.Malformed(DisplayName, "it has headers but no body", null);
            }

            Guard(() =>
            {
                visitor.Begin(message);
                Visit(LayerContent.Of(message.Body), LayerPosition.Top, visitor);
                visitor.End();
            });
        }

        /// <summary>
        /// The messages of an mbox file in turn, streaming, each with its number (from 1), the offset of its "From "
        /// line and where it ends. Damage that stops the parser, or a message past <see cref="InputLimits.MaximumPartCount"/>
        /// (MimeKit cannot pick up after it), ends the file with one problem.
        /// </summary>
        public static IEnumerable<(MimeMessage Message, int Index, long Offset, long End)> ReadMbox(Stream source, string displayName,
            EntityOffsets offsets, Action<SmimeException> problem, InputLimits limits, CancellationToken cancellationToken)
        {
            var bounded = new MessageParsing.BoundedParser(source, MimeFormat.Mbox, limits, displayName, displayName, offsets);
            var parser = bounded.Parser;
            var index = 0;
            while (!parser.IsEndOfStream)
            {
                cancellationToken.ThrowIfCancellationRequested();
                MimeMessage message;
                long offset;
                try
                {
                    bounded.Item = $"Message {index + 1} of the mbox file {displayName}";
                    message = bounded.ParseMessage(cancellationToken);
                    offset = parser.MboxMarkerOffset;
                }
                catch (FormatException e)
                {
                    problem(index == 0
                        ? MessageParsing.Malformed(displayName, "it is not an mbox file (no \"From \" line starts it)", e)
                        : MessageParsing.Malformed($"{displayName} after message {index}", "the mbox file cannot be read further", e));
                    yield break;
                }
                catch (SmimeException e) when (e.ErrorId == ErrorIds.TooManyParts)
                {
                    problem(e);
                    yield break;
                }

                index++;
                yield return (message, index, offset, parser.Position);
            }
        }

        /// <summary>A scratch file that lives as long as the walk.</summary>
        public TemporaryFile NewScratch()
        {
            var file = TemporaryFile.Create(_temporaryFolder);
            _scratch.Add(file);
            return file;
        }

        public void Dispose()
        {
            foreach (var file in _scratch)
            {
                file.Dispose();
            }

            _scratch.Clear();
        }

        private void Visit(LayerContent content, LayerPosition at, LayerVisitor visitor)
        {
            Cancellation.ThrowIfCancellationRequested();
            CheckDepth(at);
            if (content.IsPkcs7Mime && !content.HasBody && !Tree)
            {
                throw NoContent(content, at);
            }

            if (content.IsPkcs7Mime && content.HasBody)
            {
                using var decoded = content.OpenDecodedBody();
                if (OpenCms(decoded, content, at, visitor))
                {
                    return;
                }

                // Not CMS that holds a layer: in tree mode just a part; on the chain the message cannot be opened.
                visitor.Leaf(content, at, inOutput: false);
                return;
            }

            if (content.IsMultipartSigned && visitor.OpensSignedLayers && SmimeContentTypes.TryGetSigned(content.Parse(Cancellation), out var signed, out var signature))
            {
                var mark = visitor.EnterSigned(signed, signature, at);
                Visit(LayerContent.Of(signed[0]), at.Part(1, mark), visitor);
                if (Tree)
                {
                    visitor.SignaturePart(signature, at.Part(2, mark));
                    for (var i = 2; i < signed.Count; i++)
                    {
                        Visit(LayerContent.Of(signed[i]), at.Part(i + 1), visitor);
                    }
                }

                return;
            }

            if (Tree && content.ContentType.IsMimeType("multipart", "*") && content.Parse(Cancellation) is Multipart multipart)
            {
                for (var i = 0; i < multipart.Count; i++)
                {
                    Visit(LayerContent.Of(multipart[i]), at.Part(i + 1), visitor);
                }

                return;
            }

            if (Tree && content.ContentType.IsMimeType("message", "rfc822") && content.Parse(Cancellation) is MessagePart { Message.Body: { } body } attached
                && visitor.EnterAttachedMessage(attached.Message, at) is { } attachedMark)
            {
                Visit(LayerContent.Of(body), at.Part(1, attachedMark), visitor);
                return;
            }

            visitor.Leaf(content, at, inOutput: false);
        }

        /// <summary>A CMS layer: the visitor opens it and what it holds is walked; false when it is not a layer kind.</summary>
        private bool OpenCms(Stream decoded, LayerContent? part, LayerPosition at, LayerVisitor visitor)
        {
            var (kind, cms) = CmsContentKindProbe.Identify(decoded);
            if (kind is not (CmsContentKind.SignedData or CmsContentKind.EnvelopedData or CmsContentKind.AuthEnvelopedData or CmsContentKind.CompressedData))
            {
                if (part == null || Tree)
                {
                    return false;
                }

                if (kind == CmsContentKind.Unknown && cms.ReadByte() < 0)
                {
                    throw NoContent(part, at);
                }

                throw MessageParsing.Malformed(DisplayName, $"its S/MIME part holds CMS content of a kind that cannot be opened ({kind})", null);
            }

            var inPlace = Tree ? null : visitor.InPlaceOutput;
            TemporaryFile? scratch = null;
            Stream destination;
            if (inPlace is ({ } output, var start))
            {
                output.SetLength(start);
                output.Position = start;
                destination = output;
            }
            else
            {
                scratch = NewScratch();
                destination = scratch.Stream;
            }

            var step = visitor.OpenCms(kind, cms, destination, part, at);
            if (!step.IsOpened)
            {
                return true;
            }

            var inside = at.Inside(step.Mark);
            if (inPlace is ({ } target, var bodyStart))
            {
                target.Flush();
                var headers = HeaderBlock.Read(new MimeKit.IO.BoundStream(target, bodyStart, -1, leaveOpen: true));
                if (headers != null && LayerContent.Of(headers) is var written && !written.IsPkcs7Mime
                    && !(written.IsMultipartSigned && visitor.OpensSignedLayers))
                {
                    // What the layer held is the message itself: it stays where it was written.
                    CheckDepth(inside);
                    visitor.Leaf(written, inside, inOutput: true);
                    return true;
                }

                scratch = NewScratch();
                target.Position = bodyStart;
                target.CopyTo(scratch.Stream, 1 << 16);
                target.SetLength(bodyStart);
            }

            Visit(LayerContent.Of(scratch!, DisplayName, Limits, Cancellation, Offsets), inside, visitor);
            return true;
        }

        private void CheckDepth(LayerPosition at)
        {
            if (at.Depth > MaximumDepth)
            {
                throw InputLimits.Exceeded(ErrorIds.NestingTooDeep, $"The message {DisplayName}", $"its part {at.Path} nests MIME parts or protection layers {at.Depth} deep",
                    nameof(InputLimits.MaximumNestingDepth), MaximumDepth, DisplayName);
            }
        }

        /// <summary>Turns failures of malformed data that the readers do not name themselves into MalformedMessage.</summary>
        /// <summary>An application/pkcs7-mime part with nothing in it, or whose body decodes to nothing: damaged, not unprotected.</summary>
        private SmimeException NoContent(LayerContent part, LayerPosition at)
        {
            var where = at.Path.Length == 0 ? "body" : $"part {at.Path}";
            var name = part.FileName is { Length: > 0 } fileName ? $" ('{fileName}')" : string.Empty;
            return MessageParsing.Malformed(DisplayName,
                $"its application/pkcs7-mime {where}{name} has no content (the body is empty or decodes to nothing), so it was damaged on the way", null);
        }

        private void Guard(Action walk)
        {
            try
            {
                walk();
            }
            catch (SmimeException e) when (e.Kind == SmimeErrorKind.LimitsExceeded && !e.Message.Contains(DisplayName, StringComparison.Ordinal))
            {
                // A reader below names only its layer; the message is the item the user must recognise.
                throw new SmimeException(e.ErrorId, e.Kind, $"The message {DisplayName}: {char.ToLowerInvariant(e.Message[0])}{e.Message[1..]}", e.RecommendedAction, DisplayName, e);
            }
            catch (Exception e) when (e is FormatException or CryptographicException or InvalidDataException or EndOfStreamException
                or InvalidCastException or ArgumentException or InvalidOperationException or NotSupportedException
                || (e is IOException && IsReaderFailure(e)))
            {
                throw MessageParsing.Malformed(DisplayName, $"its protection layers cannot be read ({e.Message})", e);
            }
        }

        /// <summary>An I/O exception the MIME or ASN.1 parsers raised about the data, not one the file system raised.</summary>
        private static bool IsReaderFailure(Exception e)
        {
            var where = e.TargetSite?.DeclaringType?.Namespace ?? string.Empty;
            return where.StartsWith("Org.BouncyCastle", StringComparison.Ordinal) || where.StartsWith("MimeKit", StringComparison.Ordinal);
        }
    }
}
