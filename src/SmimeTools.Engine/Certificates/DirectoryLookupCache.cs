using System;
using System.Collections.Concurrent;
using System.Collections.Generic;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// What directories answered per address, kept for a while so that a bulk run (a thousand messages to the same
    /// fifty people) asks the directory once per address. Answers without entries are kept too; failures are not.
    /// Process-wide: it outlives one cmdlet call, which is the point for scripts that call Protect-SmimeMessage per message.
    /// </summary>
    public static class DirectoryLookupCache
    {
        private static readonly ConcurrentDictionary<string, (DateTime ExpiresUtc, DirectoryAnswer Answer)> Answers = new(StringComparer.Ordinal);

        /// <summary>How long an answer is kept; <see cref="TimeSpan.Zero"/> keeps none.</summary>
        public static TimeSpan DefaultLifetime { get; } = TimeSpan.FromMinutes(10);

        internal static bool TryGet(string key, out DirectoryAnswer answer)
        {
            if (Answers.TryGetValue(key, out var cached) && cached.ExpiresUtc > DateTime.UtcNow)
            {
                answer = cached.Answer;
                return true;
            }

            Answers.TryRemove(key, out _);
            answer = null!;
            return false;
        }

        internal static void Put(string key, DirectoryAnswer answer, TimeSpan lifetime)
        {
            if (lifetime > TimeSpan.Zero)
            {
                Answers[key] = (DateTime.UtcNow + lifetime, answer);
            }
        }

        /// <summary>Forgets every answer.</summary>
        public static void Clear() => Answers.Clear();

        /// <summary>Forgets the answers of one directory (after publishing to it), whoever was bound.</summary>
        public static void Forget(DirectoryLocation location)
        {
            ArgumentNullException.ThrowIfNull(location);
            var prefix = location.Url.Display + "|";
            foreach (var key in Answers.Keys)
            {
                if (key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    Answers.TryRemove(key, out _);
                }
            }
        }

        internal static string KeyFor(DirectoryLocation location, string address) =>
            location.CacheKey + "|" + address.Trim().ToLowerInvariant();
    }

    /// <summary>What one directory said about one address: the entries found, and their certificates.</summary>
    internal sealed record DirectoryAnswer(IReadOnlyList<string> EntryNames, IReadOnlyList<CertificateEntry> Certificates, string? Truncation);
}
