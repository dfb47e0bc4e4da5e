using System.Collections.Generic;
using System.IO;
using MimeKit;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// Where each parsed entity lies in the stream it was parsed from, so a multipart/signed can be checked against
    /// its bytes exactly as they are in the message (re-serialising may change them) without reading them into memory.
    /// </summary>
    internal sealed class EntityOffsets
    {
        private readonly Dictionary<MimeEntity, (Stream Source, long HeadersEnd, long End)> _offsets = new();

        /// <summary>Records the offsets of every entity <paramref name="parser"/> reads from <paramref name="source"/>.</summary>
        public MimeParser Watch(MimeParser parser, Stream source)
        {
            parser.MimeEntityEnd += (_, e) => _offsets[e.Entity] = (source, e.HeadersEndOffset, e.EndOffset);
            return parser;
        }

        public bool TryGet(MimeEntity entity, out (Stream Source, long HeadersEnd, long End) range) => _offsets.TryGetValue(entity, out range);
    }
}
