using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
using SmimeTools.Tests.Cms;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Operations
{
    /// <summary>Maildir folders and mbox files moved to new keys: names, flags, separators and locks as mail programs expect them.</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class ArchiveUpdateTests : IDisposable
    {
        private const string Plain = "From: Alice <alice@example.com>\nTo: Bob <bob@example.com>\nSubject: plain\n\nNot encrypted.\n";

        private readonly TestPkiFixture _fixture;
        private readonly string _folder = Directory.CreateTempSubdirectory("archive-").FullName;

        public ArchiveUpdateTests(TestPkiFixture fixture) => _fixture = fixture;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private PrivateKey Key(string user) => EnvelopedTestSupport.KeyOf(_fixture.Pki, user);

        /// <summary>A message encrypted to <paramref name="user"/>, with Unix line ends as mail stores keep them.</summary>
        private string EncryptedText(string user, string subject)
        {
            var body = $"From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nArchived {subject}.\r\n";
            var result = MessageProtector.Protect(MessageInput.FromText(body), new ProtectOptions { Recipients = new[] { _fixture.Pki.Users[user].GetCertificate() } },
                MessageOutput.ToMemory());
            return Encoding.ASCII.GetString(result.Content!).Replace("\r\n", "\n", StringComparison.Ordinal);
        }

        private static byte[] Opened(MessageInput input, IKeyDecryptor key) =>
            MessageUnprotector.Unprotect(input, new UnprotectOptions { Keys = new[] { key } }, MessageOutput.ToMemory()).Content!;

        private EncryptionUpdateJob Job(IKeyDecryptor oldKey, X509Certificate2 recipient) =>
            new(new EncryptionUpdateOptions { OldKeys = new[] { oldKey }, Recipients = new[] { recipient } });

        [Fact]
        public void AMaildirMessageKeepsItsFlagsAndGetsItsSizesRecomputed()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            var maildir = Path.Combine(_folder, "Maildir");
            foreach (var box in new[] { "cur", "new", "tmp" })
            {
                Directory.CreateDirectory(Path.Combine(maildir, box));
            }

            var text = EncryptedText("rsa2048", "maildir");
            var (size, virtualSize) = MaildirName.Measure(new MemoryStream(Encoding.ASCII.GetBytes(text)));
            var name = $"1680000000.M1P2.host,S={size},W={virtualSize}:2,RS";
            File.WriteAllText(Path.Combine(maildir, "cur", name), text);
            File.WriteAllText(Path.Combine(maildir, "new", "1680000001.M3P4.host"), EncryptedText("rsa2048", "unread"));
            var items = EncryptionUpdateJob.Find(maildir, recurse: false).ToList();
            Assert.All(items, i => Assert.Equal(ArchiveItemKind.MaildirMessage, i.Kind));
            Assert.Equal(2, items.Count);

            using (var job = Job(oldKey, newKey.Certificate))
            {
                foreach (var item in items)
                {
                    job.Update(item, _ => { }, e => throw e);
                }

                Assert.Equal(2, job.Summary.Updated);
            }

            var renamed = Assert.Single(Directory.GetFiles(Path.Combine(maildir, "cur")));
            var parsed = MaildirName.Parse(Path.GetFileName(renamed));
            Assert.Equal("1680000000.M1P2.host", parsed.Base);
            Assert.Equal("RS", parsed.Flags);
            Assert.Equal(new FileInfo(renamed).Length, parsed.Size);
            Assert.Equal(MaildirName.Measure(renamed).VirtualSize, parsed.VirtualSize);
            Assert.NotEqual(name, Path.GetFileName(renamed));
            Assert.Equal(Opened(MessageInput.FromFile(renamed), oldKey), Opened(MessageInput.FromFile(renamed), newKey));
            Assert.Equal("1680000001.M3P4.host", Path.GetFileName(Assert.Single(Directory.GetFiles(Path.Combine(maildir, "new")))));
            Assert.Empty(Directory.GetFiles(Path.Combine(maildir, "tmp")));

            using var rerun = Job(oldKey, newKey.Certificate);
            foreach (var item in EncryptionUpdateJob.Find(maildir, recurse: false))
            {
                rerun.Update(item, u => Assert.Equal(MessageUpdateState.Skipped, u.State), e => throw e);
            }
        }

        [Fact]
        public void AnMboxIsRewrittenInPlaceWithPlainMessagesUntouched()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("rsa3072");
            var first = EncryptedText("rsa2048", "first");
            var second = EncryptedText("rsa2048", "second");
            var mbox = Path.Combine(_folder, "archive.mbox");
            var text = "From alice@example.com Fri Dec  4 10:00:00 2026\n" + first + "\n"
                + "From alice@example.com Fri Dec  4 10:01:00 2026\n" + Plain + "\n"
                + "From alice@example.com Fri Dec  4 10:02:00 2026\n" + second + "\n";
            File.WriteAllText(mbox, text);
            Assert.Equal(ArchiveItemKind.Mbox, Assert.Single(EncryptionUpdateJob.Find(mbox, recurse: false)).Kind);

            var updates = new System.Collections.Generic.List<MessageUpdate>();
            var problems = new System.Collections.Generic.List<SmimeException>();
            using (var job = Job(oldKey, newKey.Certificate))
            {
                job.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), updates.Add, problems.Add);
                Assert.Equal(2, job.Summary.Updated);
                Assert.Equal(1, job.Summary.Failed);
            }

            Assert.Equal(new[] { 1, 3 }, updates.Select(u => u.Index!.Value).ToArray());
            Assert.Equal(ErrorIds.NotEncrypted, Assert.Single(problems).ErrorId);
            Assert.Contains(mbox + " (message 2)", problems[0].Message, StringComparison.Ordinal);
            var after = File.ReadAllText(mbox);
            Assert.Contains("\nFrom alice@example.com Fri Dec  4 10:01:00 2026\n" + Plain + "\n", after, StringComparison.Ordinal);
            Assert.False(File.Exists(mbox + ".lock"));
            Assert.Empty(Directory.GetFiles(_folder, ".archive.mbox*"));

            var summaries = MessageInspector.InspectMbox(MessageInput.FromFile(mbox), _folder, e => throw e).ToList();
            Assert.Equal(3, summaries.Count);
            Assert.Equal(2, summaries[0].Layers.Single().Recipients.Count);
            Assert.Equal(2, summaries[2].Layers.Single().Recipients.Count);
            foreach (var summary in new[] { summaries[0], summaries[2] })
            {
                var message = MessageInput.FromFileRange(mbox, summary.Offset!.Value, summary.Size!.Value);
                Assert.Equal(Opened(message, oldKey), Opened(message, newKey));
            }

            // A rerun passes over what was done and tries the plain message again (it could have been a message for a key not given).
            using var rerun = Job(oldKey, newKey.Certificate);
            problems.Clear();
            rerun.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), u => Assert.Equal(MessageUpdateState.Skipped, u.State), problems.Add);
            Assert.Equal(ErrorIds.NotEncrypted, Assert.Single(problems).ErrorId);
            Assert.Equal((0, 2, 1), (rerun.Summary.Updated, rerun.Summary.Skipped, rerun.Summary.Failed));
            Assert.Equal(after, File.ReadAllText(mbox));
        }

        [Fact]
        public void AnInterruptedMboxGoesOnAfterTheLastMessageItWrote()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            var mbox = Path.Combine(_folder, "interrupted.mbox");
            var text = string.Concat(Enumerable.Range(1, 6).Select(i => $"From alice@example.com Fri Dec  4 10:0{i}:00 2026\n"
                + (i == 3 ? Plain : EncryptedText("rsa2048", "message " + i)) + "\n"));
            File.WriteAllText(mbox, text);

            // The first run stops (as if killed) while it reports its fourth message.
            var first = new System.Collections.Generic.List<MessageUpdate>();
            using (var job = Job(oldKey, newKey.Certificate))
            {
                Assert.Throws<OperationCanceledException>(() => job.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), u =>
                {
                    first.Add(u);
                    if (first.Count == 3)
                    {
                        throw new OperationCanceledException();
                    }
                }, _ => { }));
            }

            Assert.Equal(text, File.ReadAllText(mbox));
            var updates = new System.Collections.Generic.List<MessageUpdate>();
            var problems = new System.Collections.Generic.List<SmimeException>();
            using (var resumed = Job(oldKey, newKey.Certificate))
            {
                resumed.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), updates.Add, problems.Add);
                Assert.Equal(3, resumed.Summary.Updated);
                Assert.Equal(2, resumed.Summary.Skipped);
                Assert.Equal(1, resumed.Summary.Failed);
            }

            // Messages 1 and 2 were written by the first run and are not rewritten; 3 is plain (reported again); 4 is done again
            // (its line was not in the journal when the run stopped), 5 and 6 are new.
            Assert.Equal(new[] { MessageUpdateState.Skipped, MessageUpdateState.Skipped, MessageUpdateState.Updated, MessageUpdateState.Updated, MessageUpdateState.Updated },
                updates.Select(u => u.State).ToArray());
            Assert.Equal(new[] { 1, 2, 4, 5, 6 }, updates.Select(u => u.Index!.Value).ToArray());
            Assert.Equal(ErrorIds.NotEncrypted, Assert.Single(problems).ErrorId);
            Assert.Empty(Directory.GetFiles(_folder, ".interrupted.mbox*"));
            var summaries = MessageInspector.InspectMbox(MessageInput.FromFile(mbox), _folder, e => throw e).ToList();
            Assert.Equal(6, summaries.Count);
            foreach (var summary in summaries.Where((_, i) => i != 2))
            {
                var message = MessageInput.FromFileRange(mbox, summary.Offset!.Value, summary.Size!.Value);
                Assert.Equal(Opened(message, oldKey), Opened(message, newKey));
            }

            Assert.Contains(Plain, File.ReadAllText(mbox), StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void AStaleDotLockBesideAnMboxIsNotCountedAsAMessage(int workers)
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            var folder = Directory.CreateDirectory(Path.Combine(_folder, "locked-by-killed-run")).FullName;
            var mbox = Path.Combine(folder, "archive.mbox");
            File.WriteAllText(mbox, string.Concat(Enumerable.Range(1, 3).Select(i => $"From alice@example.com Fri Dec  4 10:0{i}:00 2026\n"
                + (i == 2 ? Plain : EncryptedText("rsa2048", "message " + i)) + "\n")));
            File.WriteAllText(Path.Combine(folder, "note.eml"), EncryptedText("rsa2048", "beside"));

            // A job killed with SIGKILL while it held the mbox leaves its dot-lock (a process ID no longer running, our mark).
            File.WriteAllText(mbox + ".lock", "4194305\nsmimetools@" + Environment.MachineName + "\n");
            var items = EncryptionUpdateJob.Find(folder, recurse: false).ToList();
            Assert.Equal(new[] { mbox, Path.Combine(folder, "note.eml") }, items.Select(i => i.Path).ToArray());

            var problems = new System.Collections.Generic.List<SmimeException>();
            using (var job = Job(oldKey, newKey.Certificate))
            {
                job.UpdateAll(items, workers, (_, _, found) => problems.AddRange(found));
                Assert.Equal(3, job.Summary.Updated);
                Assert.Equal(0, job.Summary.Skipped);
                Assert.Equal(1, job.Summary.Failed);
            }

            Assert.Equal(ErrorIds.NotEncrypted, Assert.Single(problems).ErrorId);
            Assert.False(File.Exists(mbox + ".lock"));
        }

        [Fact]
        public void AnMboxRerunWithMoreKeysUpdatesWhatFailedAndLeavesWhatWasDone()
        {
            using var rsaKey = Key("rsa2048");
            using var ecKey = Key("p384");
            using var newKey = Key("p256");
            var mbox = Path.Combine(_folder, "partly.mbox");
            var messages = new[] { EncryptedText("rsa2048", "one"), EncryptedText("p384", "two"), EncryptedText("rsa2048", "three"), Plain };
            File.WriteAllText(mbox, string.Concat(messages.Select((m, i) => $"From alice@example.com Fri Dec  4 10:0{i}:00 2026\n" + m + "\n")));
            EncryptionUpdateJob JobWith(params IKeyDecryptor[] keys) => new(new EncryptionUpdateOptions { OldKeys = keys, Recipients = new[] { newKey.Certificate } });
            byte[] Entry(int index)
            {
                var summary = MessageInspector.InspectMbox(MessageInput.FromFile(mbox), _folder, e => throw e).ToList()[index - 1];
                return File.ReadAllBytes(mbox).AsSpan((int)summary.Offset!.Value, (int)summary.Size!.Value).ToArray();
            }

            // Run 1 has no key for message 2: it is left as it was, the others are done.
            var problems = new System.Collections.Generic.List<SmimeException>();
            using (var first = JobWith(rsaKey))
            {
                first.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), _ => { }, problems.Add);
                Assert.Equal((2, 0, 2), (first.Summary.Updated, first.Summary.Skipped, first.Summary.Failed));
            }

            Assert.Equal(new[] { ErrorIds.NoDecryptionKey, ErrorIds.NotEncrypted }, problems.Select(p => p.ErrorId).ToArray());
            var one = Entry(1);
            var three = Entry(3);

            // Run 2 has the key: message 2 is updated; 1 and 3 are not rewritten again, the plain one is reported again.
            var updates = new System.Collections.Generic.List<MessageUpdate>();
            problems.Clear();
            using (var second = JobWith(rsaKey, ecKey))
            {
                second.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), updates.Add, problems.Add);
                Assert.Equal((1, 2, 1), (second.Summary.Updated, second.Summary.Skipped, second.Summary.Failed));
            }

            Assert.Equal(new[] { (1, MessageUpdateState.Skipped), (2, MessageUpdateState.Updated), (3, MessageUpdateState.Skipped) },
                updates.Select(u => (u.Index!.Value, u.State)).ToArray());
            Assert.Equal(ErrorIds.NotEncrypted, Assert.Single(problems).ErrorId);
            Assert.Equal(one, Entry(1));
            Assert.Equal(three, Entry(3));
            Assert.Contains(Plain, File.ReadAllText(mbox), StringComparison.Ordinal);
            var summaries = MessageInspector.InspectMbox(MessageInput.FromFile(mbox), _folder, e => throw e).ToList();
            Assert.Equal(4, summaries.Count);
            foreach (var (summary, oldKey) in new[] { (summaries[0], (IKeyDecryptor)rsaKey), (summaries[1], ecKey), (summaries[2], rsaKey) })
            {
                var message = MessageInput.FromFileRange(mbox, summary.Offset!.Value, summary.Size!.Value);
                Assert.Equal(2, summary.Layers.Single().Recipients.Count);
                Assert.Equal(Opened(message, oldKey), Opened(message, newKey));
            }

            // Run 3 finds nothing more it can do: the mbox is left byte for byte, and the journal gets no new line for it.
            var after = File.ReadAllBytes(mbox);
            var journal = Path.Combine(_folder, UpdateJournal.FileName);
            var done = File.ReadAllLines(journal).Count(l => l.StartsWith("done\t", StringComparison.Ordinal));
            using (var third = JobWith(rsaKey, ecKey))
            {
                third.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), _ => { }, _ => { });
                Assert.Equal((0, 3, 1), (third.Summary.Updated, third.Summary.Skipped, third.Summary.Failed));
            }

            Assert.Equal(after, File.ReadAllBytes(mbox));
            Assert.Equal(done, File.ReadAllLines(journal).Count(l => l.StartsWith("done\t", StringComparison.Ordinal)));
            Assert.Empty(Directory.GetFiles(_folder, ".partly.mbox*"));
        }

        [Fact]
        public void ASwapCutShortKeepsTheMessagesToTryAgain()
        {
            using var rsaKey = Key("rsa2048");
            using var ecKey = Key("p384");
            using var newKey = Key("p256");
            var mbox = Path.Combine(_folder, "cut-partly.mbox");
            var text = "From alice@example.com Fri Dec  4 10:00:00 2026\n" + EncryptedText("rsa2048", "one") + "\n"
                + "From alice@example.com Fri Dec  4 10:01:00 2026\n" + EncryptedText("p384", "two") + "\n";
            File.WriteAllText(mbox, text);
            EncryptionUpdateJob JobWith(params IKeyDecryptor[] keys) => new(new EncryptionUpdateOptions { OldKeys = keys, Recipients = new[] { newKey.Certificate } });
            using (var job = JobWith(rsaKey))
            {
                job.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), _ => { }, _ => { });
                Assert.Equal((1, 1), (job.Summary.Updated, job.Summary.Failed));
            }

            // As if the run had stopped halfway through copying: only the swap line (naming message 2 as not updated) in the journal.
            var done = File.ReadAllBytes(mbox);
            var journal = Path.Combine(_folder, UpdateJournal.FileName);
            var swapLine = File.ReadAllLines(journal).Single(l => l.StartsWith("swap\t", StringComparison.Ordinal));
            Assert.Equal("2", swapLine.Split('\t')[4]);
            File.WriteAllLines(journal, new[] { swapLine });
            File.WriteAllBytes(Uri.UnescapeDataString(swapLine.Split('\t')[2]), done);
            File.WriteAllBytes(mbox, done.AsSpan(0, done.Length / 2).ToArray().Concat(Encoding.ASCII.GetBytes(text)[(done.Length / 2)..]).ToArray());
            using (var finishing = JobWith(rsaKey))
            {
                finishing.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), _ => { }, e => throw e);
            }

            Assert.Equal(done, File.ReadAllBytes(mbox));
            var updates = new System.Collections.Generic.List<MessageUpdate>();
            using (var rerun = JobWith(rsaKey, ecKey))
            {
                rerun.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), updates.Add, e => throw e);
            }

            Assert.Equal(new[] { (1, MessageUpdateState.Skipped), (2, MessageUpdateState.Updated) }, updates.Select(u => (u.Index!.Value, u.State)).ToArray());
            Assert.Equal("done by an earlier run of this job", updates[0].Reason);
        }

        [Fact]
        public void TheJournalHoldsTheDigestOfEachOriginalAsTheRewriteReadIt()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            var folder = Directory.CreateDirectory(Path.Combine(_folder, "digests")).FullName;
            var maildir = Path.Combine(folder, "Maildir");
            foreach (var box in new[] { "cur", "new", "tmp" })
            {
                Directory.CreateDirectory(Path.Combine(maildir, box));
            }

            var eml = Path.Combine(folder, "a.eml");
            var inMaildir = Path.Combine(maildir, "cur", "1680000000.M1P2.host:2,S");
            File.WriteAllText(eml, EncryptedText("rsa2048", "file").Replace("\n", "\r\n", StringComparison.Ordinal));
            File.WriteAllText(inMaildir, EncryptedText("rsa2048", "maildir"));
            var originals = new[] { File.ReadAllBytes(eml), File.ReadAllBytes(inMaildir) };
            using (var job = Job(oldKey, newKey.Certificate))
            {
                job.Update(Assert.Single(EncryptionUpdateJob.Find(eml, false)), _ => { }, e => throw e);
                job.Update(Assert.Single(EncryptionUpdateJob.Find(maildir, false)), _ => { }, e => throw e);
                Assert.Equal(2, job.Summary.Updated);
            }

            string Before(string journalFolder) =>
                File.ReadAllLines(Path.Combine(journalFolder, UpdateJournal.FileName)).Single(l => l.StartsWith("done\t", StringComparison.Ordinal)).Split('\t')[2];
            Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(originals[0])), Before(folder));
            Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(originals[1])), Before(maildir));
            Assert.NotEqual(originals[0], File.ReadAllBytes(eml));

            // A rewrite reads its message whole, so the digest needs no read of its own.
            foreach (var lineEnd in new[] { "\n", "\r\n" })
            {
                var message = Path.Combine(folder, "whole.eml");
                File.WriteAllText(message, EncryptedText("rsa2048", "whole").Replace("\n", lineEnd, StringComparison.Ordinal));
                using var read = new ReadDigest();
                var update = MessageEncryptionUpdater.Update(MessageInput.FromFile(message, read),
                    new EncryptionUpdateOptions { OldKeys = new[] { oldKey }, Recipients = new[] { newKey.Certificate } }, new MemoryStream(), default);
                Assert.Equal(MessageUpdateState.Updated, update.State);
                Assert.Equal(new FileInfo(message).Length, read.Covered);
            }
        }

        [Fact]
        public void AMessageGoneSinceItWasListedIsOneProblemAndTheJobGoesOn()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            var folder = Directory.CreateDirectory(Path.Combine(_folder, "moving")).FullName;
            File.WriteAllText(Path.Combine(folder, "a.eml"), EncryptedText("rsa2048", "a"));
            File.WriteAllText(Path.Combine(folder, "b.eml"), EncryptedText("rsa2048", "b"));
            var items = EncryptionUpdateJob.Find(folder, recurse: false).ToList();
            File.Delete(Path.Combine(folder, "a.eml"));

            var problems = new System.Collections.Generic.List<SmimeException>();
            using var job = Job(oldKey, newKey.Certificate);
            job.UpdateAll(items, 1, (_, _, found) => problems.AddRange(found));
            Assert.Equal(ErrorIds.PathNotFound, Assert.Single(problems).ErrorId);
            Assert.Equal(1, job.Summary.Updated);
            Assert.Equal(0, job.Summary.Failed + job.Summary.Skipped);
        }

        [Fact]
        public void AnMboxInterruptedAtAnyMessageCountsEachMessageOnceWhenResumed()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            var messages = Enumerable.Range(1, 5).Select(i => i == 2 ? Plain : i == 4 ? EncryptedText("rsa3072", "foreign") : EncryptedText("rsa2048", "m" + i)).ToArray();
            for (var stop = 1; stop <= messages.Length; stop++)
            {
                var mbox = Path.Combine(_folder, $"stopped-{stop}.mbox");
                File.WriteAllText(mbox, string.Concat(messages.Select((m, i) => $"From alice@example.com Fri Dec  4 10:0{i}:00 2026\n" + m + "\n")));

                // Stopped (as if killed) while the message numbered stop is reported, or its problem.
                using (var job = Job(oldKey, newKey.Certificate))
                {
                    var seen = 0;
                    void Stop()
                    {
                        if (++seen == stop)
                        {
                            throw new OperationCanceledException();
                        }
                    }

                    Assert.Throws<OperationCanceledException>(() => job.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), _ => Stop(), _ => Stop()));
                }

                using var resumed = Job(oldKey, newKey.Certificate);
                var reported = new System.Collections.Generic.List<int>();
                var problems = new System.Collections.Generic.List<SmimeException>();
                resumed.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), u => reported.Add(u.Index!.Value), problems.Add);
                Assert.Equal(messages.Length, resumed.Summary.Updated + resumed.Summary.Skipped + resumed.Summary.Failed);
                Assert.Equal(2, resumed.Summary.Failed);
                Assert.Equal(new[] { ErrorIds.NotEncrypted, ErrorIds.NoDecryptionKey }, problems.Select(p => p.ErrorId).ToArray());
                Assert.Equal(new[] { 1, 3, 5 }, reported.ToArray());
            }
        }

        [Theory]
        [InlineData("appended")]
        [InlineData("damaged")]
        public void AnInterruptedMboxStartsOverWhenItOrTheNewContentChanged(string change)
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p384");
            var mbox = Path.Combine(_folder, "changed.mbox");
            var text = string.Concat(Enumerable.Range(1, 4).Select(i => $"From alice@example.com Fri Dec  4 11:0{i}:00 2026\n" + EncryptedText("rsa2048", "m" + i) + "\n"));
            File.WriteAllText(mbox, text);
            using (var job = Job(oldKey, newKey.Certificate))
            {
                var seen = 0;
                Assert.Throws<OperationCanceledException>(() => job.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)),
                    _ => { if (++seen == 3) { throw new OperationCanceledException(); } }, _ => { }));
            }

            var newContent = Path.Combine(_folder, ".changed.mbox.smimetools-new");
            Assert.True(File.Exists(newContent));
            if (change == "appended")
            {
                // New mail arrived between the runs: the messages' offsets may be the same, but the mbox is not.
                File.AppendAllText(mbox, "From alice@example.com Fri Dec  4 12:00:00 2026\n" + EncryptedText("rsa2048", "late") + "\n");
            }
            else
            {
                using var stream = new FileStream(newContent, FileMode.Open, FileAccess.ReadWrite);
                stream.Position = stream.Length / 2;
                stream.WriteByte((byte)'#');
            }

            var updates = new System.Collections.Generic.List<MessageUpdate>();
            using (var resumed = Job(oldKey, newKey.Certificate))
            {
                resumed.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), updates.Add, e => throw e);
            }

            Assert.All(updates, u => Assert.Equal(MessageUpdateState.Updated, u.State));
            Assert.Equal(change == "appended" ? 5 : 4, updates.Count);
            foreach (var summary in MessageInspector.InspectMbox(MessageInput.FromFile(mbox), _folder, e => throw e))
            {
                var message = MessageInput.FromFileRange(mbox, summary.Offset!.Value, summary.Size!.Value);
                Assert.Equal(Opened(message, oldKey), Opened(message, newKey));
            }
        }

        [Fact]
        public void TemporaryFilesAKilledRunLeftAreRemovedAndOthersKept()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            var folder = Directory.CreateDirectory(Path.Combine(_folder, "leftovers")).FullName;
            File.WriteAllText(Path.Combine(folder, "a.eml"), EncryptedText("rsa2048", "a"));
            var ours = Path.Combine(folder, ".a.eml.0123456789ab.tmp");
            var notOurs = Path.Combine(folder, ".notes.0123456789ab.tmp");
            var snapshot = Path.Combine(folder, ".box.mbox.smimetools-snapshot");
            var scratch = Path.Combine(folder, ".smimetools-" + Guid.NewGuid().ToString("N") + ".tmp");
            foreach (var leftover in new[] { ours, notOurs, snapshot, scratch })
            {
                File.WriteAllText(leftover, "left by a killed run");
                File.SetLastWriteTimeUtc(leftover, DateTime.UtcNow.AddMinutes(-5));
            }

            File.WriteAllText(Path.Combine(folder, "box.mbox"), "From alice@example.com Fri Dec  4 10:00:00 2026\n" + EncryptedText("rsa2048", "boxed") + "\n");
            using (var job = Job(oldKey, newKey.Certificate))
            {
                foreach (var item in EncryptionUpdateJob.Find(folder, recurse: false))
                {
                    job.Update(item, _ => { }, e => throw e);
                }

                Assert.Equal(2, job.Summary.Updated);
            }

            Assert.False(File.Exists(ours));
            Assert.False(File.Exists(snapshot));
            Assert.False(File.Exists(scratch), "a scratch file still named on disk was left by a killed process");
            Assert.True(File.Exists(notOurs), "a hidden file named after no message is not ours to remove");
        }

        [Fact]
        public void ALockedMboxIsRefusedAndLeftAlone()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p384");
            var mbox = Path.Combine(_folder, "locked.mbox");
            var text = "From alice@example.com Fri Dec  4 10:00:00 2026\n" + EncryptedText("rsa2048", "locked") + "\n";
            File.WriteAllText(mbox, text);
            File.WriteAllText(mbox + ".lock", "12345\n");
            using var job = Job(oldKey, newKey.Certificate);

            SmimeException? refused = null;
            job.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), _ => { }, e => refused = e);

            Assert.Equal(ErrorIds.MailboxLocked, refused?.ErrorId);
            Assert.Equal(text, File.ReadAllText(mbox));
            Assert.Equal("12345\n", File.ReadAllText(mbox + ".lock"));
        }

        [Fact]
        public void AnMboxSwapCutShortIsFinishedFromTheCheckedNewContent()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            var mbox = Path.Combine(_folder, "cut.mbox");
            var text = "From alice@example.com Fri Dec  4 10:00:00 2026\n" + EncryptedText("rsa2048", "cut") + "\n";
            File.WriteAllText(mbox, text);
            using (var job = Job(oldKey, newKey.Certificate))
            {
                job.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), _ => { }, e => throw e);
            }

            // As if the run had stopped halfway through copying: the new content beside, the journal naming it, the mbox half old.
            var done = File.ReadAllBytes(mbox);
            var journal = Path.Combine(_folder, ".smimetools-update.journal");
            var swapLine = File.ReadAllLines(journal).Single(l => l.StartsWith("swap\t", StringComparison.Ordinal));
            File.WriteAllLines(journal, new[] { swapLine });
            var beside = Uri.UnescapeDataString(swapLine.Split('\t')[2]);
            File.WriteAllBytes(beside, done);
            File.WriteAllBytes(mbox, done.AsSpan(0, done.Length / 2).ToArray().Concat(Encoding.ASCII.GetBytes(text)[(done.Length / 2)..]).ToArray());

            using (var resumed = Job(oldKey, newKey.Certificate))
            {
                resumed.Update(Assert.Single(EncryptionUpdateJob.Find(mbox, false)), _ => { }, e => throw e);
            }

            Assert.Equal(done, File.ReadAllBytes(mbox));
            Assert.False(File.Exists(beside));
        }
    }
}
