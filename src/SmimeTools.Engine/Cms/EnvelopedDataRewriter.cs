using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Gives an encrypted CMS message (EnvelopedData or AuthEnvelopedData, BER or DER) to more recipients without decrypting
    /// it: the content-encryption key is recovered with an old key and wrapped for each new recipient, and the encrypted
    /// content is copied through byte for byte in one forward pass with flat memory. Work grows with the header, I/O with the message.
    /// </summary>
    /// <remarks>
    /// The output is written as the input is read. On any error, and until <see cref="Check"/> says it is intact, treat what
    /// was written as unusable: write to a temporary file and rename it into place only then. A failure never writes the
    /// closing end-of-contents markers, so a partial output does not parse as a complete message.
    /// </remarks>
    public static class EnvelopedDataRewriter
    {
        private static readonly byte[] KeyCheckLabel = "SmimeTools content-encryption key check"u8.ToArray();

        /// <summary>
        /// Reads <paramref name="input"/> and writes to <paramref name="output"/> the same message with a RecipientInfo added for
        /// each of <paramref name="newRecipients"/>.<see cref="EncryptionOptions.Recipients"/> that it does not already name.
        /// <see cref="EncryptionOptions.KeyEncryption"/> and <see cref="EncryptionOptions.UseSubjectKeyIdentifier"/> apply to
        /// the new entries as <see cref="EnvelopedDataWriter"/> applies them; <see cref="EncryptionOptions.ContentEncryption"/>
        /// is not used, since the content is not re-encrypted. Neither stream is closed.
        /// Errors (all <see cref="SmimeException"/>, those about keys and recipients before anything is written):
        /// <see cref="ErrorIds.NoDecryptionKey"/> (a <see cref="DecryptionKeyNotFoundException"/>), <see cref="ErrorIds.DecryptionFailed"/>
        /// (the key did not recover a usable content-encryption key), <see cref="ErrorIds.MalformedMessage"/>,
        /// <see cref="ErrorIds.UnsupportedAlgorithm"/>, <see cref="ErrorIds.UnsupportedKey"/> and <see cref="ErrorIds.NoMatchingCertificate"/>.
        /// </summary>
        public static RecipientAdditionResult AddRecipients(
            Stream input, Stream output, IReadOnlyList<IKeyDecryptor> oldKeys, EncryptionOptions newRecipients, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(input);
            CheckArguments(output, oldKeys, newRecipients);
            var structure = EnvelopedDataStructure.ReadHead(new Asn1StreamingReader(input, "The encrypted message"), requireContent: true);
            return AddRecipients(structure, output, oldKeys, newRecipients, cancellationToken);
        }

        /// <summary>
        /// As <see cref="AddRecipients(Stream, Stream, IReadOnlyList{IKeyDecryptor}, EncryptionOptions, CancellationToken)"/>, for a
        /// message already opened to look at its recipients: its head is not read again. <paramref name="opened"/> is consumed.
        /// </summary>
        public static RecipientAdditionResult AddRecipients(
            EnvelopedDataReader opened, Stream output, IReadOnlyList<IKeyDecryptor> oldKeys, EncryptionOptions newRecipients, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(opened);
            CheckArguments(output, oldKeys, newRecipients);
            var structure = opened.TakeStructure();
            structure.RequireContent();
            return AddRecipients(structure, output, oldKeys, newRecipients, cancellationToken);
        }

        private static RecipientAdditionResult AddRecipients(
            EnvelopedDataStructure structure, Stream output, IReadOnlyList<IKeyDecryptor> oldKeys, EncryptionOptions newRecipients, CancellationToken cancellationToken)
        {
            ContentCipherAlgorithm algorithm = structure.ParseAlgorithm();
            (RecipientEntry entry, IKeyDecryptor key) = RecipientEntry.FindFor(structure.Entries, oldKeys);
            // A failed key transport gives a stand-in key and fails below, at the content check, as a wrong key does (RFC 3218 §2.3.2).
            byte[] contentKey = entry.RecoverContentKey(key, algorithm);
            try
            {
                var added = new List<X509Certificate2>();
                var alreadyPresent = new List<X509Certificate2>();
                var addedIdentities = new List<RecipientIdentity>();
                var newInfos = new List<RecipientInfo>();
                foreach (var certificate in newRecipients.Recipients)
                {
                    ArgumentNullException.ThrowIfNull(certificate, nameof(newRecipients.Recipients));
                    var identity = new RecipientIdentity(certificate);
                    if (structure.Entries.Any(e => e.Matches(identity)))
                    {
                        alreadyPresent.Add(certificate);
                    }
                    else if (!addedIdentities.Any(i => i.Matches(identity.IssuerAndSerialNumber)))
                    {
                        newInfos.Add(EnvelopedDataWriter.CreateRecipientInfo(certificate, contentKey, newRecipients));
                        added.Add(certificate);
                        addedIdentities.Add(identity);
                    }
                }

                // unprotectedAttrs come after the content, so the input's own version stands for them; new recipients only ever raise it.
                int version = structure.IsAuthenticated
                    ? 0
                    : Math.Max(structure.Version, EnvelopedDataVersion.Of(structure.OriginatorInfo, structure.RecipientInfos.Concat(newInfos), false));
                var elements = structure.RecipientInfoElements.Concat(newInfos.Select(i => i.GetEncoded(Asn1Encodable.Der))).ToArray();
                structure.WriteHead(output, version, elements);
                // CBC: the last block's padding. AEAD: the tag, which needs the whole content, so it is decrypted as it passes.
                using ContentCipher? tagCheck = algorithm.IsAuthenticated ? CreateDecryptor(algorithm, contentKey) : null;
                EncryptedContentSummary content = structure.PassContent(output, cancellationToken, tagCheck);
                bool fits = tagCheck == null ? DecryptsLastBlock(algorithm, contentKey, content) : TagMatches(structure, tagCheck);
                if (!fits)
                {
                    throw EnvelopedErrors.DecryptionFailed();
                }

                structure.PassTail(output);
                var before = structure.Entries.Select(e => e.Description).ToArray();
                var after = before.Concat(RecipientEntry.ReadAll(newInfos).Select(e => e.Description)).ToArray();
                return new RecipientAdditionResult(
                    structure.IsAuthenticated, algorithm.Algorithm, algorithm.Oid, algorithm.Name, entry.Description, key, before, after,
                    added, alreadyPresent, structure.Version, version, content.Length, content.Digest, KeyCheckValue(contentKey), true,
                    new CarriedRecipients(structure.RecipientInfoElements, IndexOf(structure.Entries, entry)));
            }
            finally
            {
                Array.Clear(contentKey);
            }
        }

        /// <summary>
        /// Decrypts <paramref name="input"/> with one of <paramref name="oldKeys"/> and encrypts the plaintext afresh to
        /// <paramref name="options"/> (new key, the algorithm and recipients it names: old recipients left out lose access),
        /// streaming through <see cref="EnvelopedDataReader"/> and <see cref="EnvelopedDataWriter"/> on two threads with
        /// a few chunks of plaintext between them. <see cref="ErrorIds.NoDecryptionKey"/> is reported before anything is
        /// written; after any other error (<see cref="ErrorIds.DecryptionFailed"/> when the old content fails its padding or
        /// tag, found only at its end) the output is left unfinished and must be discarded. Neither stream is closed.
        /// <paramref name="plausibleStart"/>, when given, sees the first plaintext written: false is DecryptionFailed, as a
        /// wrong key that passes the CBC padding by chance (1 in 256) gives garbage that must not replace the original.
        /// </summary>
        public static ReencryptionResult Reencrypt(
            Stream input, Stream output, IReadOnlyList<IKeyDecryptor> oldKeys, EncryptionOptions options, CancellationToken cancellationToken = default,
            Func<byte[], bool>? plausibleStart = null)
        {
            ArgumentNullException.ThrowIfNull(input);
            CheckArguments(output, oldKeys, options);
            return Reencrypt(EnvelopedDataReader.Open(input), output, oldKeys, options, cancellationToken, plausibleStart);
        }

        /// <summary>
        /// As <see cref="Reencrypt(Stream, Stream, IReadOnlyList{IKeyDecryptor}, EncryptionOptions, CancellationToken, Func{byte[], bool}?)"/>,
        /// for a message already opened to look at its recipients. <paramref name="reader"/> is consumed.
        /// </summary>
        public static ReencryptionResult Reencrypt(
            EnvelopedDataReader reader, Stream output, IReadOnlyList<IKeyDecryptor> oldKeys, EncryptionOptions options, CancellationToken cancellationToken = default,
            Func<byte[], bool>? plausibleStart = null)
        {
            ArgumentNullException.ThrowIfNull(reader);
            CheckArguments(output, oldKeys, options);
            var pipe = new PlaintextPipe(4);
            Task? encryption = null;

            // The encryptor writes its header at once, so it starts only when there is plaintext: a key that does not fit writes nothing.
            void StartEncryption() => encryption ??= Task.Run(
                () =>
                {
                    try
                    {
                        EnvelopedDataWriter.Write(pipe.Reader, output, options, cancellationToken);
                    }
                    finally
                    {
                        pipe.Abandon();
                    }
                },
                CancellationToken.None);

            pipe.BeforeFirstWrite = StartEncryption;
            DecryptionResult original;
            using var plaintext = new HashingStream(plausibleStart == null ? pipe.Writer : new StartCheckingStream(pipe.Writer, plausibleStart), HashAlgorithmName.SHA256);
            try
            {
                original = reader.Decrypt(oldKeys, plaintext, cancellationToken);
                StartEncryption();
                pipe.Complete();
            }
            catch (Exception) when (encryption != null)
            {
                pipe.Fail();
                try
                {
                    encryption.Wait(CancellationToken.None);
                }
                catch (AggregateException stopped) when (pipe.RefusedWrite && stopped.InnerException != null)
                {
                    // The encryptor failed first (a recipient it cannot use, a full disk); the decryptor only found the pipe closed.
                    ExceptionDispatchInfo.Capture(stopped.InnerException).Throw();
                }
                catch (AggregateException)
                {
                    // It stopped because the decryptor failed; that failure is the one to report.
                }

                throw;
            }

            encryption!.GetAwaiter().GetResult();
            return new ReencryptionResult(original, options.ContentEncryption, options.Recipients, plaintext.GetHashAndReset());
        }

        /// <summary>
        /// Reads a rewritten <paramref name="message"/> to its end and checks it against what <see cref="AddRecipients(Stream, Stream, IReadOnlyList{IKeyDecryptor}, EncryptionOptions, CancellationToken)"/> reported:
        /// the encrypted content's SHA-256 is <paramref name="expectedContentDigest"/>, and every recipient that one of
        /// <paramref name="keys"/> opens (old keys, and new ones where the job holds them) yields the key whose check value is
        /// <paramref name="expectedContentKeyCheckValue"/> and, for CBC content, decrypts the last block's padding.
        /// With <paramref name="carried"/> (from the same rewrite), recipients whose RecipientInfos are found there byte for byte
        /// are confirmed by that alone, with no private-key operation (the same bytes and key give the same key, whose check
        /// value and content fit when the original was opened); only the others are unwrapped. Should those bytes differ, every
        /// recipient is unwrapped as without it.
        /// Errors: <see cref="ErrorIds.NoDecryptionKey"/> when no key opens any recipient, <see cref="ErrorIds.MalformedMessage"/>,
        /// <see cref="ErrorIds.UnsupportedAlgorithm"/>.
        /// </summary>
        public static RewriteCheckResult Check(
            Stream message, IReadOnlyList<IKeyDecryptor> keys, byte[] expectedContentDigest, byte[] expectedContentKeyCheckValue, CancellationToken cancellationToken = default,
            CarriedRecipients? carried = null)
        {
            ArgumentNullException.ThrowIfNull(message);
            ArgumentNullException.ThrowIfNull(keys);
            ArgumentNullException.ThrowIfNull(expectedContentDigest);
            ArgumentNullException.ThrowIfNull(expectedContentKeyCheckValue);
            var structure = EnvelopedDataStructure.ReadHead(new Asn1StreamingReader(message, "The rewritten message"), requireContent: true);
            ContentCipherAlgorithm algorithm = structure.ParseAlgorithm();
            var carriedIntact = carried != null && carried.AreFirstOf(structure.RecipientInfoElements);
            var carriedEntries = carriedIntact ? structure.Entries.Take(carried!.Count).ToArray() : Array.Empty<RecipientEntry>();
            var matches = RecipientEntry.Matching(structure.Entries, keys).Where(m => !carriedEntries.Contains(m.Entry)).ToArray();
            if (matches.Length == 0 && !carriedIntact)
            {
                RecipientEntry.FindFor(structure.Entries, keys);
            }

            var checkedRecipients = new List<EnvelopedRecipient>();
            bool keysMatch = true;
            byte[]? confirmedKey = null;
            try
            {
                foreach (var (entry, key) in matches)
                {
                    checkedRecipients.Add(entry.Description);
                    byte[] contentKey;
                    try
                    {
                        contentKey = entry.RecoverContentKey(key, algorithm);
                    }
                    catch (SmimeException e) when (e.ErrorId == ErrorIds.DecryptionFailed)
                    {
                        keysMatch = false;
                        continue;
                    }

                    if (!CryptographicOperations.FixedTimeEquals(KeyCheckValue(contentKey), expectedContentKeyCheckValue))
                    {
                        keysMatch = false;
                        Array.Clear(contentKey);
                    }
                    else if (confirmedKey == null)
                    {
                        confirmedKey = contentKey;
                    }
                    else
                    {
                        Array.Clear(contentKey);
                    }
                }

                EncryptedContentSummary content = structure.PassContent(Stream.Null, cancellationToken);
                if (confirmedKey != null && !algorithm.IsAuthenticated)
                {
                    keysMatch &= DecryptsLastBlock(algorithm, confirmedKey, content);
                }

                structure.PassTail(Stream.Null);
                var carriedOpened = carriedIntact ? carriedEntries[carried!.Opened].Description : null;
                return new RewriteCheckResult(checkedRecipients, content.Digest, content.Digest.AsSpan().SequenceEqual(expectedContentDigest),
                    keysMatch && (confirmedKey != null || carriedOpened != null), carriedOpened);
            }
            finally
            {
                if (confirmedKey != null)
                {
                    Array.Clear(confirmedKey);
                }
            }
        }

        /// <summary>
        /// SHA-256 of the encrypted content octets of <paramref name="message"/> (EnvelopedData or AuthEnvelopedData), read
        /// to its end: the value <see cref="RecipientAdditionResult.EncryptedContentDigest"/> reports, whatever the BER segmentation.
        /// </summary>
        public static byte[] DigestEncryptedContent(Stream message, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(message);
            var structure = EnvelopedDataStructure.ReadHead(new Asn1StreamingReader(message, "The encrypted message"), requireContent: true);
            byte[] digest = structure.PassContent(Stream.Null, cancellationToken).Digest;
            structure.PassTail(Stream.Null);
            return digest;
        }

        private static int IndexOf(IReadOnlyList<RecipientEntry> entries, RecipientEntry entry)
        {
            for (var i = 0; i < entries.Count; i++)
            {
                if (ReferenceEquals(entries[i], entry))
                {
                    return i;
                }
            }

            throw new InvalidOperationException("The recipient that opened the message is not one of its recipients.");
        }

        private static void CheckArguments(Stream output, IReadOnlyList<IKeyDecryptor> oldKeys, EncryptionOptions options)
        {
            ArgumentNullException.ThrowIfNull(output);
            ArgumentNullException.ThrowIfNull(oldKeys);
            ArgumentNullException.ThrowIfNull(options);
            if (options.Recipients == null || options.Recipients.Count == 0)
            {
                throw EnvelopedErrors.NoRecipients();
            }
        }

        private static ContentCipher CreateDecryptor(ContentCipherAlgorithm algorithm, byte[] contentKey)
        {
            try
            {
                return algorithm.CreateDecryptor(contentKey);
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException or InvalidOperationException)
            {
                throw EnvelopedErrors.DecryptionFailed($"the recovered key does not fit {algorithm.Name}", e);
            }
        }

        /// <summary>
        /// AEAD content: the tag the message carries matches what <paramref name="decryptor"/>, fed the whole content, computes.
        /// The tail is read here (<see cref="EnvelopedDataStructure.PassTail"/> reads it again from what it kept).
        /// </summary>
        private static bool TagMatches(EnvelopedDataStructure structure, ContentCipher decryptor)
        {
            structure.ReadTail();
            structure.Authenticate(decryptor);
            var last = new byte[ContentCipher.MaxExpansion];
            try
            {
                decryptor.Finish(last);
                return true;
            }
            catch (CryptographicException)
            {
                return false;
            }
            finally
            {
                Array.Clear(last);
            }
        }

        /// <summary>16 bytes of HMAC-SHA256 under the content-encryption key over a fixed label.</summary>
        private static byte[] KeyCheckValue(byte[] contentKey) => HMACSHA256.HashData(contentKey, KeyCheckLabel)[..16];

        /// <summary>
        /// A cheap check that a CBC key fits the content: decrypting the last two blocks gives a garbage first block (its IV is
        /// wrong) but the true last block, whose PKCS#7 padding must be valid.
        /// </summary>
        private static bool DecryptsLastBlock(ContentCipherAlgorithm algorithm, byte[] contentKey, EncryptedContentSummary content)
        {
            int block = algorithm.Iv.Length;
            if (content.Length < block || content.Length % block != 0)
            {
                return false;
            }

            var tail = content.Tail[^(int)Math.Min(2 * block, content.Length)..].ToArray();
            var plain = new byte[tail.Length + ContentCipher.MaxExpansion];
            var last = new byte[ContentCipher.MaxExpansion];
            try
            {
                using var cipher = algorithm.CreateDecryptor(contentKey);
                cipher.Update(tail, 0, tail.Length, plain);
                cipher.Finish(last);
                return true;
            }
            catch (CryptographicException)
            {
                return false;
            }
            finally
            {
                Array.Clear(plain);
                Array.Clear(last);
            }
        }
    }
}
