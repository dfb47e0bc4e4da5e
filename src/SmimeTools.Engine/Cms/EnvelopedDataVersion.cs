using System.Collections.Generic;
using System.IO;
using Org.BouncyCastle.Asn1.Cms;

namespace SmimeTools.Engine.Cms
{
    /// <summary>The EnvelopedData version RFC 5652 §6.1 requires for what the structure holds (AuthEnvelopedData is always 0).</summary>
    internal static class EnvelopedDataVersion
    {
        /// <param name="originatorInfo">The originatorInfo element as encoded ([0] IMPLICIT), or null when absent.</param>
        /// <param name="recipientInfos">Every RecipientInfo the structure holds.</param>
        /// <param name="hasUnprotectedAttributes">True when unprotectedAttrs are present.</param>
        public static int Of(byte[]? originatorInfo, IEnumerable<RecipientInfo> recipientInfos, bool hasUnprotectedAttributes)
        {
            var (otherFormats, attributeCertificatesV2) = originatorInfo == null ? (false, false) : ScanOriginatorInfo(originatorInfo);
            if (otherFormats)
            {
                return 4;
            }

            bool allVersionZero = true;
            bool passwordOrOther = false;
            foreach (var info in recipientInfos)
            {
                switch (info.Info)
                {
                    case KeyTransRecipientInfo ktri:
                        allVersionZero &= ktri.Version.HasValue(0);
                        break;
                    case KeyAgreeRecipientInfo:
                    case KekRecipientInfo:
                        allVersionZero = false;
                        break;
                    default:
                        passwordOrOther = true;
                        break;
                }
            }

            if (attributeCertificatesV2 || passwordOrOther)
            {
                return 3;
            }

            return originatorInfo == null && !hasUnprotectedAttributes && allVersionZero ? 0 : 2;
        }

        /// <summary>Whether originatorInfo holds certificates or CRLs of an "other" format, and version 2 attribute certificates.</summary>
        private static (bool OtherFormats, bool AttributeCertificatesV2) ScanOriginatorInfo(byte[] originatorInfo)
        {
            var reader = new Asn1StreamingReader(new MemoryStream(originatorInfo, false), "The originator information");
            bool other = false;
            bool attributeV2 = false;
            reader.Enter(reader.ReadHeader(Asn1StreamingHeader.ClassContext, 0, "originatorInfo ([0])"));
            while (reader.HasMore())
            {
                var set = reader.ReadHeader();
                bool certificates = set.IsContext(0);
                bool crls = set.IsContext(1);
                if (!certificates && !crls)
                {
                    throw reader.Malformed($"originatorInfo holds a {set.Describe()} where certificates [0] or CRLs [1] belong");
                }

                reader.Enter(set);
                while (reader.HasMore())
                {
                    var choice = reader.ReadHeader();

                    // CertificateChoices: [2] v2AttrCert, [3] other; RevocationInfoChoice: [1] other (RFC 5652 §10.2.1, §10.2.2).
                    other |= (certificates && choice.IsContext(3)) || (crls && choice.IsContext(1));
                    attributeV2 |= certificates && choice.IsContext(2);
                    reader.Skip(choice);
                }

                reader.Leave();
            }

            reader.Leave();
            return (other, attributeV2);
        }
    }
}
