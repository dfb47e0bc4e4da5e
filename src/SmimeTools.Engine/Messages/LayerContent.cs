using System;
using System.IO;
using System.Threading;
using MimeKit;
using SmimeTools.Engine.IO;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// What is inside a layer the walker has reached: either an entity MimeKit parsed (the outer message, or a part
    /// of it), or a scratch file of which only the header block has been read. The file is parsed in full only when it must be
    /// (to take off multipart/signed); otherwise its bytes are copied to the output as the sender made them.
    /// </summary>
    internal sealed class LayerContent
    {
        private readonly MimeEntity? _entity;
        private readonly TemporaryFile? _file;
        private readonly HeaderBlock? _headers;
        private readonly EntityOffsets? _offsets;
        private readonly string? _displayName;
        private readonly InputLimits _limits;
        private MimeEntity? _parsed;

        private LayerContent(MimeEntity? entity, TemporaryFile? file, HeaderBlock? headers, bool isBare, EntityOffsets? offsets = null,
            string? displayName = null, InputLimits? limits = null)
        {
            _entity = entity;
            _file = file;
            _headers = headers;
            IsBare = isBare;
            _offsets = offsets;
            _displayName = displayName;
            _limits = limits ?? InputLimits.Default;
        }

        public static LayerContent Of(MimeEntity entity) => new(entity, null, null, false);

        /// <summary>Content already written where it belongs, known by its header block only.</summary>
        public static LayerContent Of(HeaderBlock headers) => new(null, null, headers, false);

        /// <summary>The content of a decrypted or unwrapped layer; content without a header block is kept as a bare part.</summary>
        // offsets, when given, records where the entities lie once the file is parsed; limits bound MimeKit's nesting and
        // the parts it builds, and the errors name displayName's message.
        public static LayerContent Of(TemporaryFile file, string displayName, InputLimits limits, CancellationToken cancellationToken,
            EntityOffsets? offsets = null)
        {
            var headers = HeaderBlock.Read(file.Stream);
            if (headers != null)
            {
                return new LayerContent(null, file, headers, false, offsets, displayName, limits);
            }

            file.Rewind();
            var bare = MessageParsing.ParseEntity(file.Stream, displayName, limits, cancellationToken, out _);
            return new LayerContent(bare, null, null, true);
        }

        /// <summary>
        /// Where the body of a parsed part starts in the stream it was parsed from (MimeKit keeps a seekable input's content
        /// there), and its transfer encoding; false when that is not known.
        /// </summary>
        public bool TryGetBody(out long offset, out ContentEncoding encoding)
        {
            if (_entity is MimePart { Content: { Stream: MimeKit.IO.BoundStream bound } content })
            {
                offset = bound.StartBoundary;
                encoding = content.Encoding;
                return true;
            }

            offset = 0;
            encoding = default;
            return false;
        }

        /// <summary>True when the protected content was not MIME and was wrapped in a part of its own.</summary>
        public bool IsBare { get; }

        public ContentType ContentType => _entity?.ContentType ?? _headers!.ContentType;

        public bool IsPkcs7Mime => _entity switch
        {
            MimePart part => SmimeContentTypes.IsPkcs7Mime(part.ContentType, part.FileName),
            null => SmimeContentTypes.IsPkcs7Mime(_headers!.ContentType, _headers.FileName),
            _ => false,
        };

        /// <summary>True for a multipart/signed content type; whether it is well formed shows once it is parsed (<see cref="SmimeContentTypes.TryGetSigned"/>).</summary>
        public bool IsMultipartSigned => SmimeContentTypes.IsMultipartSigned(ContentType);

        /// <summary>The file name a part gives itself (Content-Disposition, then Content-Type name); null for a multipart.</summary>
        public string? FileName => _entity switch
        {
            MimePart part => part.FileName,
            null => _headers!.FileName,
            _ => null,
        };

        /// <summary>False only for a parsed part that has no content at all.</summary>
        public bool HasBody => _entity is not MimePart { Content: null };

        /// <summary>The body with its transfer encoding undone, streamed.</summary>
        public Stream OpenDecodedBody()
        {
            if (_entity is MimePart { Content: { } content })
            {
                return TransferDecoding.Open(content);
            }

            if (_file != null)
            {
                return _headers!.OpenDecodedBody(_file.Stream);
            }

            throw new InvalidOperationException("The S/MIME part has no content.");
        }

        /// <summary>The content as a MimeKit entity, parsing the scratch file in full when it comes from one.</summary>
        public MimeEntity Parse(CancellationToken cancellationToken)
        {
            if (_entity != null)
            {
                return _entity;
            }

            if (_parsed == null)
            {
                _file!.Rewind();
                _parsed = MessageParsing.ParseEntity(_file.Stream, _displayName!, _limits, cancellationToken, out _, _offsets);
            }

            return _parsed;
        }

        /// <summary>Writes the entity: a scratch file byte for byte, a parsed entity in canonical line ends.</summary>
        public void WriteTo(Stream output, CancellationToken cancellationToken)
        {
            if (_entity != null)
            {
                CanonicalForm.WriteAsIs(_entity, output, cancellationToken);
                return;
            }

            var stream = _file!.Rewind();
            stream.CopyTo(output, 1 << 16);
        }
    }
}
