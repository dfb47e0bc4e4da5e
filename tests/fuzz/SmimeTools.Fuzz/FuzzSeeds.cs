using System;
using System.Collections.Generic;
using System.Formats.Asn1;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.OpenSsl;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Policy;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimeTools.Fuzz
{
    /// <summary>
    /// Seeds made at run time from the test PKI, for the structures the shared corpora lack (our own keys, so encrypted
    /// seeds open all the way; LDAP and OCSP answers; CompressedData). Nothing here is copied from a corpus.
    /// </summary>
    internal static class FuzzSeeds
    {
        /// <summary>The nonce the OCSP target expects back; generated answers echo it.</summary>
        public static readonly byte[] OcspNonce = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();

        private static readonly byte[] Text = Encoding.ASCII.GetBytes("Content-Type: text/plain; charset=us-ascii\r\n\r\nA message for the fuzzer.\r\n");

        public static X509Certificate2 LoadCertificate(string path) => X509CertificateLoader.LoadCertificateFromFile(path);

        /// <summary>Writes the generated seeds of <paramref name="target"/> into <paramref name="folder"/>; returns how many.</summary>
        public static int Write(FuzzTargets targets, string target, string folder)
        {
            Directory.CreateDirectory(folder);
            var seeds = target switch
            {
                "enveloped" => Enveloped(targets),
                "signed" => Signed(targets),
                "compressed" => new Dictionary<string, byte[]> { ["text.cms"] = Compress(Text), ["signed.cms"] = Compress(Signed(targets).First().Value) },
                "asn1" => Enveloped(targets).Take(2).Concat(Signed(targets).Take(2)).ToDictionary(p => p.Key, p => p.Value),
                "pkcs12" => Files(targets.PkiFolder, "rsa2048.p12", "p256.p12", "x25519.p12"),
                "certfile" => Files(targets.PkiFolder, "rsa2048.crt", "p256.cer", "chain.pem", "bundle.p7b", "ed25519.crt"),
                "crl" => Files(targets.PkiFolder, "root.crl", "intermediate.crl", "intermediate.crl.pem"),
                "ocsp" => Ocsp(targets),
                "ldap" => Ldap(targets),
                "mime" => Mime(targets),
                _ => throw new ArgumentException($"No seeds for '{target}'.", nameof(target)),
            };
            foreach (var (name, bytes) in seeds)
            {
                File.WriteAllBytes(Path.Combine(folder, "gen-" + name), bytes);
            }

            return seeds.Count;
        }

        private static Dictionary<string, byte[]> Files(string folder, params string[] names) =>
            names.Where(n => File.Exists(Path.Combine(folder, n))).ToDictionary(n => n, n => File.ReadAllBytes(Path.Combine(folder, n)));

        private static Dictionary<string, byte[]> Enveloped(FuzzTargets targets)
        {
            var recipients = targets.Keys.Select(k => k.Certificate).ToArray();
            var seeds = new Dictionary<string, byte[]>();
            foreach (var algorithm in new[] { ContentEncryptionAlgorithm.Aes128Cbc, ContentEncryptionAlgorithm.Aes256Gcm, ContentEncryptionAlgorithm.ChaCha20Poly1305 })
            {
                var output = new MemoryStream();
                EnvelopedDataWriter.Write(new MemoryStream(Text), output, new EncryptionOptions { Recipients = recipients, ContentEncryption = algorithm });
                seeds[$"enveloped-{algorithm}.cms"] = output.ToArray();
            }

            var oaep = new MemoryStream();
            EnvelopedDataWriter.Write(new MemoryStream(Text), oaep, new EncryptionOptions
            {
                Recipients = recipients.Take(1).ToArray(), KeyEncryption = KeyEncryptionAlgorithm.RsaOaepSha256, UseSubjectKeyIdentifier = true,
            });
            seeds["enveloped-oaep-ski.cms"] = oaep.ToArray();
            return seeds;
        }

        private static Dictionary<string, byte[]> Signed(FuzzTargets targets)
        {
            var seeds = new Dictionary<string, byte[]>();
            foreach (var key in targets.Keys.Take(2))
            {
                var encapsulated = new MemoryStream();
                SignedDataBuilder.WriteEncapsulated(new MemoryStream(Text), encapsulated, new SigningOptions { Key = key });
                seeds[$"signed-{key.Algorithm}.cms"] = encapsulated.ToArray();
                seeds[$"detached-{key.Algorithm}.cms"] = SignedDataBuilder.CreateDetached(new MemoryStream(DetachedContent), new SigningOptions { Key = key });
            }

            return seeds;
        }

        /// <summary>The content the signed target checks detached signatures against.</summary>
        public static byte[] DetachedContent { get; } = Encoding.ASCII.GetBytes("Content-Type: text/plain\r\n\r\nfuzz\r\n");

        private static byte[] Compress(byte[] content)
        {
            var output = new MemoryStream();
            CompressedDataWriter.Write(new MemoryStream(content), output);
            return output.ToArray();
        }

        private static Dictionary<string, byte[]> Mime(FuzzTargets targets)
        {
            var enveloped = Enveloped(targets).First().Value;
            var signed = Signed(targets);
            var seeds = new Dictionary<string, byte[]>
            {
                ["enveloped.eml"] = Pkcs7Mime("enveloped-data", enveloped),
                ["opaque-signed.eml"] = Pkcs7Mime("signed-data", signed.First(p => p.Key.StartsWith("signed", StringComparison.Ordinal)).Value),
                ["compressed.eml"] = Pkcs7Mime("compressed-data", Compress(Text)),
                ["multipart-signed.eml"] = MultipartSigned(signed.First(p => p.Key.StartsWith("detached", StringComparison.Ordinal)).Value),
            };
            var mbox = "From alice@example.org Fri Dec  4 10:00:00 2026\n" + Encoding.ASCII.GetString(seeds["multipart-signed.eml"]).Replace("\r\n", "\n")
                + "\nFrom bob@example.org Fri Dec  4 10:01:00 2026\nFrom: bob@example.org\nSubject: quoted\n\n>From the start of a line\nplain text\n";
            seeds["folder.mbox"] = Encoding.ASCII.GetBytes(mbox);
            var plain = Path.Combine(targets.PkiFolder, "message.eml");
            if (File.Exists(plain))
            {
                seeds["plain.eml"] = File.ReadAllBytes(plain);
            }

            return seeds;
        }

        private static byte[] Pkcs7Mime(string smimeType, byte[] cms) => Encoding.ASCII.GetBytes(
            "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: fuzz\r\nMIME-Version: 1.0\r\n"
            + $"Content-Type: application/pkcs7-mime; smime-type={smimeType}; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n"
            + "Content-Disposition: attachment; filename=smime.p7m\r\n\r\n"
            + Convert.ToBase64String(cms, Base64FormattingOptions.InsertLineBreaks) + "\r\n");

        private static byte[] MultipartSigned(byte[] detached) => Encoding.ASCII.GetBytes(
            "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: fuzz\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"b1\"\r\n\r\n"
            + "--b1\r\n" + Encoding.ASCII.GetString(DetachedContent) + "\r\n--b1\r\n"
            + "Content-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Convert.ToBase64String(detached, Base64FormattingOptions.InsertLineBreaks) + "\r\n--b1--\r\n");

        /// <summary>Search answers for message 1: entries with certificates and a reference, then done, with and without a paging cookie.</summary>
        private static Dictionary<string, byte[]> Ldap(FuzzTargets targets)
        {
            var certificate = File.ReadAllBytes(Path.Combine(targets.PkiFolder, "rsa2048.cer"));
            byte[] Entry(string dn, params (string Type, byte[][] Values)[] attributes) => LdapMessage(1, w =>
            {
                w.PushSequence(new Asn1Tag(TagClass.Application, 4, true));
                w.WriteOctetString(Encoding.UTF8.GetBytes(dn));
                w.PushSequence();
                foreach (var (type, values) in attributes)
                {
                    w.PushSequence();
                    w.WriteOctetString(Encoding.UTF8.GetBytes(type));
                    w.PushSetOf();
                    foreach (var value in values)
                    {
                        w.WriteOctetString(value);
                    }

                    w.PopSetOf();
                    w.PopSequence();
                }

                w.PopSequence();
                w.PopSequence(new Asn1Tag(TagClass.Application, 4, true));
            });
            byte[] Reference() => LdapMessage(1, w =>
            {
                w.PushSequence(new Asn1Tag(TagClass.Application, 19, true));
                w.WriteOctetString(Encoding.UTF8.GetBytes("ldap://other.example.org/dc=example,dc=org"));
                w.PopSequence(new Asn1Tag(TagClass.Application, 19, true));
            });
            byte[] Done(int code, byte[]? cookie) => LdapMessage(1, w => Result(w, 5, code, "done"), cookie == null ? null : w =>
            {
                w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true));
                w.PushSequence();
                w.WriteOctetString(Encoding.ASCII.GetBytes("1.2.840.113556.1.4.319"));
                var value = new AsnWriter(AsnEncodingRules.DER);
                value.PushSequence();
                value.WriteInteger(0);
                value.WriteOctetString(cookie);
                value.PopSequence();
                w.WriteOctetString(value.Encode());
                w.PopSequence();
                w.PopSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true));
            });
            var alice = Entry("cn=alice,dc=example,dc=org", ("mail", new[] { Encoding.UTF8.GetBytes("alice@example.org") }), ("userCertificate;binary", new[] { certificate }));
            return new Dictionary<string, byte[]>
            {
                ["entry-done.ber"] = alice.Concat(Done(0, null)).ToArray(),
                ["entries-reference-paged.ber"] = alice.Concat(Reference()).Concat(Entry("cn=bob,dc=example,dc=org")).Concat(Done(0, Array.Empty<byte>())).ToArray(),
                ["no-such-object.ber"] = Done(32, null),
                ["notice-of-disconnection.ber"] = LdapMessage(0, w => Result(w, 24, 52, "going away")),
            };
        }

        private static void Result(AsnWriter writer, int application, int code, string diagnostic)
        {
            var tag = new Asn1Tag(TagClass.Application, application, true);
            writer.PushSequence(tag);
            writer.WriteEnumeratedValue((LdapCode)code);
            writer.WriteOctetString(Array.Empty<byte>());
            writer.WriteOctetString(Encoding.UTF8.GetBytes(diagnostic));
            writer.PopSequence(tag);
        }

        private static byte[] LdapMessage(int id, Action<AsnWriter> operation, Action<AsnWriter>? controls = null)
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            writer.PushSequence();
            writer.WriteInteger(id);
            operation(writer);
            controls?.Invoke(writer);
            writer.PopSequence();
            return writer.Encode();
        }

        /// <summary>Answers about the rsa2048 user signed by its issuing CA: good, revoked, unknown, without nonce, and an error status.</summary>
        private static Dictionary<string, byte[]> Ocsp(FuzzTargets targets)
        {
            var issuerCertificate = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(File.ReadAllBytes(Path.Combine(targets.PkiFolder, "intermediate.cer")));
            var subject = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(File.ReadAllBytes(Path.Combine(targets.PkiFolder, "rsa2048.cer")));
            var key = ReadPrivateKey(Path.Combine(targets.PkiFolder, "intermediate.key"));
            var id = new CertificateID(CertificateID.DigestSha1, issuerCertificate, subject.SerialNumber);
            byte[] Answer(CertificateStatus? status, bool nonce)
            {
                var generator = new BasicOcspRespGenerator(new RespID(issuerCertificate.SubjectDN));
                generator.AddResponse(id, status, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddDays(7), null);
                if (nonce)
                {
                    generator.SetResponseExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, Org.BouncyCastle.Asn1.X509.X509Extension>
                    {
                        [OcspObjectIdentifiers.PkixOcspNonce] = new Org.BouncyCastle.Asn1.X509.X509Extension(false, new DerOctetString(new DerOctetString(OcspNonce))),
                    }));
                }

                var basic = generator.Generate(new Asn1SignatureFactory("SHA256WITHRSA", key), new[] { issuerCertificate }, DateTime.UtcNow);
                return new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
            }

            return new Dictionary<string, byte[]>
            {
                ["good.der"] = Answer(CertificateStatus.Good, nonce: true),
                ["revoked.der"] = Answer(new RevokedStatus(DateTime.UtcNow.AddDays(-1), CrlReason.KeyCompromise), nonce: true),
                ["unknown.der"] = Answer(new UnknownStatus(), nonce: false),
                ["try-later.der"] = new OCSPRespGenerator().Generate(OCSPRespGenerator.TryLater, null).GetEncoded(),
            };
        }

        private static AsymmetricKeyParameter ReadPrivateKey(string path)
        {
            using var reader = new StreamReader(path);
            return new PemReader(reader).ReadObject() switch
            {
                AsymmetricCipherKeyPair pair => pair.Private,
                AsymmetricKeyParameter single => single,
                var other => throw new InvalidDataException($"{path} holds {other?.GetType().Name ?? "nothing"}, not a private key."),
            };
        }

        /// <summary>Only for WriteEnumeratedValue, which takes an enum.</summary>
        private enum LdapCode
        {
        }
    }
}
