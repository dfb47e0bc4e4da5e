using System;
using System.Collections.Generic;
using System.Formats.Asn1;
using System.Linq;
using System.Text;

namespace SmimeTools.Engine.Ldap
{
    /// <summary>
    /// A search filter built from parts (never from concatenated text, so an address cannot inject filter syntax):
    /// equality, presence, and, or. <see cref="ToString"/> gives the RFC 4515 text for messages.
    /// </summary>
    public sealed class LdapFilter
    {
        private readonly int _tag;
        private readonly string? _attribute;
        private readonly string? _value;
        private readonly IReadOnlyList<LdapFilter> _children;

        private LdapFilter(int tag, string? attribute, string? value, IReadOnlyList<LdapFilter>? children)
        {
            _tag = tag;
            _attribute = attribute;
            _value = value;
            _children = children ?? Array.Empty<LdapFilter>();
        }

        public static LdapFilter Equal(string attribute, string value)
        {
            ArgumentException.ThrowIfNullOrEmpty(attribute);
            ArgumentNullException.ThrowIfNull(value);
            return new LdapFilter(3, attribute, value, null);
        }

        public static LdapFilter Present(string attribute)
        {
            ArgumentException.ThrowIfNullOrEmpty(attribute);
            return new LdapFilter(7, attribute, null, null);
        }

        public static LdapFilter And(params LdapFilter[] parts) => Combine(0, parts);

        public static LdapFilter Or(params LdapFilter[] parts) => Combine(1, parts);

        public static LdapFilter Or(IEnumerable<LdapFilter> parts) => Combine(1, parts.ToArray());

        /// <summary>(objectClass=*): every entry.</summary>
        public static LdapFilter Any { get; } = Present("objectClass");

        private static LdapFilter Combine(int tag, LdapFilter[] parts)
        {
            ArgumentNullException.ThrowIfNull(parts);
            if (parts.Length == 0)
            {
                throw new ArgumentException("A filter needs at least one part.", nameof(parts));
            }

            return parts.Length == 1 ? parts[0] : new LdapFilter(tag, null, null, parts);
        }

        internal void Write(AsnWriter writer)
        {
            var tag = new Asn1Tag(TagClass.ContextSpecific, _tag, isConstructed: _tag != 7);
            switch (_tag)
            {
                case 0:
                case 1:
                    // SET OF Filter; written as a sequence of the same tag so the order stays as given.
                    writer.PushSequence(tag);
                    foreach (var child in _children)
                    {
                        child.Write(writer);
                    }

                    writer.PopSequence(tag);
                    break;
                case 3:
                    writer.PushSequence(tag);
                    writer.WriteOctetString(Encoding.UTF8.GetBytes(_attribute!));
                    writer.WriteOctetString(Encoding.UTF8.GetBytes(_value!));
                    writer.PopSequence(tag);
                    break;
                default:
                    writer.WriteOctetString(Encoding.UTF8.GetBytes(_attribute!), tag);
                    break;
            }
        }

        public override string ToString() => _tag switch
        {
            0 => "(&" + string.Concat(_children.Select(c => c.ToString())) + ")",
            1 => "(|" + string.Concat(_children.Select(c => c.ToString())) + ")",
            3 => $"({_attribute}={Escape(_value!)})",
            _ => $"({_attribute}=*)",
        };

        /// <summary>RFC 4515 escaping of an assertion value: *, (, ), \ and NUL as \XX.</summary>
        public static string Escape(string value)
        {
            var text = new StringBuilder(value.Length);
            foreach (char c in value)
            {
                if (c is '*' or '(' or ')' or '\\' or '\0')
                {
                    text.Append('\\').Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                }
                else
                {
                    text.Append(c);
                }
            }

            return text.ToString();
        }
    }
}
