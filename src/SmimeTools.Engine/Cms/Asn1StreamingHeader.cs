namespace SmimeTools.Engine.Cms
{
    /// <summary>The identifier and length octets of one BER element, as read by <see cref="Asn1StreamingReader"/>.</summary>
    internal readonly struct Asn1StreamingHeader
    {
        public const int ClassUniversal = 0x00;
        public const int ClassContext = 0x80;

        public const int TagInteger = 2;
        public const int TagOctetString = 4;
        public const int TagObjectIdentifier = 6;
        public const int TagSequence = 16;
        public const int TagSet = 17;

        public Asn1StreamingHeader(int tagClass, bool constructed, int tagNumber, long length, long start, long contentStart)
        {
            TagClass = tagClass;
            IsConstructed = constructed;
            TagNumber = tagNumber;
            Length = length;
            Start = start;
            ContentStart = contentStart;
        }

        /// <summary>0x00 universal, 0x40 application, 0x80 context-specific, 0xC0 private.</summary>
        public int TagClass { get; }

        public bool IsConstructed { get; }

        public int TagNumber { get; }

        /// <summary>Length of the contents, or -1 for the indefinite form.</summary>
        public long Length { get; }

        public bool IsIndefinite => Length < 0;

        /// <summary>Stream position of the first identifier octet.</summary>
        public long Start { get; }

        /// <summary>Stream position of the first contents octet.</summary>
        public long ContentStart { get; }

        /// <summary>Position just after the contents (definite form only).</summary>
        public long End => ContentStart + Length;

        /// <summary>True for the end-of-contents marker (00 00) that closes an indefinite-length element.</summary>
        public bool IsEndOfContents => TagClass == ClassUniversal && !IsConstructed && TagNumber == 0 && Length == 0;

        public bool Is(int tagClass, int tagNumber) => TagClass == tagClass && TagNumber == tagNumber;

        public bool IsUniversal(int tagNumber) => TagClass == ClassUniversal && TagNumber == tagNumber;

        public bool IsContext(int tagNumber) => TagClass == ClassContext && TagNumber == tagNumber;

        /// <summary>How the element is named in error messages, e.g. "[0]" or "SEQUENCE".</summary>
        public string Describe() => TagClass switch
        {
            ClassUniversal => TagNumber switch
            {
                TagInteger => "INTEGER",
                TagOctetString => "OCTET STRING",
                TagObjectIdentifier => "OBJECT IDENTIFIER",
                TagSequence => "SEQUENCE",
                TagSet => "SET",
                _ => "universal tag " + TagNumber,
            },
            ClassContext => "[" + TagNumber + "]",
            _ => "tag " + TagNumber + " of class 0x" + TagClass.ToString("X2", System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
