using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
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
    /// <summary>Message files put in place in batches: the order that makes a batch durable, and a batch stopped before it is in place.</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class RewriteBatchTests : IDisposable
    {
        private readonly TestPkiFixture _fixture;
        private readonly string _folder = Directory.CreateTempSubdirectory("rewrite-batch-").FullName;

        public RewriteBatchTests(TestPkiFixture fixture) => _fixture = fixture;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private PrivateKey Key(string user) => EnvelopedTestSupport.KeyOf(_fixture.Pki, user);

        private byte[] Encrypted(string subject)
        {
            var body = $"From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nArchived {subject}.\r\n";
            return MessageProtector.Protect(MessageInput.FromText(body), new ProtectOptions { Recipients = new[] { _fixture.Pki.Users["rsa2048"].GetCertificate() } },
                MessageOutput.ToMemory()).Content!;
        }

        /// <summary>A folder of <paramref name="count"/> encrypted .eml files and a Maildir of two, with what each holds now.</summary>
        private Dictionary<string, byte[]> Archive(int count)
        {
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            var eml = Directory.CreateDirectory(Path.Combine(_folder, "eml")).FullName;
            for (var i = 0; i < count; i++)
            {
                var path = Path.Combine(eml, $"{i:D3}.eml");
                File.WriteAllBytes(path, files[path] = Encrypted($"message {i}"));
            }

            var maildir = Path.Combine(_folder, "Maildir");
            foreach (var box in new[] { "cur", "new", "tmp" })
            {
                Directory.CreateDirectory(Path.Combine(maildir, box));
            }

            for (var i = 0; i < 2; i++)
            {
                var content = Encrypted($"maildir {i}");
                var (size, virtualSize) = MaildirName.Measure(new MemoryStream(content));
                var path = Path.Combine(maildir, "cur", $"168000000{i}.M{i}P1.host,S={size},W={virtualSize}:2,S");
                File.WriteAllBytes(path, files[path] = content);
            }

            return files;
        }

        private List<ArchiveItem> Items() =>
            EncryptionUpdateJob.Find(Path.Combine(_folder, "eml"), false).Concat(EncryptionUpdateJob.Find(Path.Combine(_folder, "Maildir"), false)).ToList();

        private static EncryptionUpdateOptions Options(IKeyDecryptor oldKey, X509Certificate2 recipient) =>
            new() { OldKeys = new[] { oldKey }, Recipients = new[] { recipient } };

        private static string[] DoneLines(string folder)
        {
            var path = Path.Combine(folder, UpdateJournal.FileName);
            if (!File.Exists(path))
            {
                return Array.Empty<string>();
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n').Where(l => l.StartsWith("done\t", StringComparison.Ordinal)).ToArray();
        }

        private int Recipients(string file) => MessageInspector.Inspect(MessageInput.FromFile(file), _folder).Layers.Single().Recipients.Count;

        private static string[] Temporary(string root) =>
            Directory.GetFiles(root, "*.tmp", SearchOption.AllDirectories);

        [Fact]
        public void ABatchIsJournalledOnlyAfterItsFilesAreCheckedRenamedAndTheirFoldersFlushed()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            var originals = Archive(20);
            var items = Items();
            var heard = new List<(string Step, string Path)>();
            var emlFolder = Path.Combine(_folder, "eml");
            var maildir = Path.Combine(_folder, "Maildir");
            var journalled = new List<int>();
            using (var job = new EncryptionUpdateJob(Options(oldKey, newKey.Certificate))
            {
                BatchStep = (step, path) =>
                {
                    heard.Add((step, path));
                    if (step == "check")
                    {
                        // Checked from its temporary file: the original is still as it was.
                        Assert.Equal(originals[path], File.ReadAllBytes(path));
                    }
                    else if (step == "journal")
                    {
                        journalled.Add(DoneLines(Path.GetDirectoryName(path)!).Length);
                    }
                },
            })
            {
                var handed = 0;
                job.UpdateAll(items, 2, (item, updates, problems) =>
                {
                    Assert.Empty(problems);
                    var update = Assert.Single(updates);
                    Assert.Equal(MessageUpdateState.Updated, update.State);
                    // Handed on only once its journal line is on disk.
                    Assert.Contains(heard, h => h.Step == "journal" && DoneLines(Path.GetDirectoryName(h.Path)!).Any(l => l.Contains(Path.GetFileName(item.Path).Split(',')[0], StringComparison.Ordinal)));
                    handed++;
                });
                Assert.Equal(22, handed);
                Assert.Equal(22, job.Summary.Updated);
            }

            // 22 messages in batches of 16: the first holds 16 .eml files, the second 4 and the Maildir's two.
            var batches = new List<List<(string Step, string Path)>>();
            var current = new List<(string Step, string Path)>();
            for (var n = 0; n < heard.Count; n++)
            {
                current.Add(heard[n]);
                if (heard[n].Step == "journal" && (n == heard.Count - 1 || heard[n + 1].Step != "journal"))
                {
                    batches.Add(current);
                    current = new List<(string Step, string Path)>();
                }
            }

            Assert.Equal(2, batches.Count);
            Assert.Empty(current);
            foreach (var batch in batches)
            {
                var steps = batch.Select(h => h.Step).ToList();
                var order = new[] { "flush", "check", "rename", "flush folder", "remove", "flush folder after removal", "journal" };
                // Every step of a kind is done for the whole batch before the next kind starts (a removal only where a name changed,
                // its folder flushed again after it).
                var removed = false;
                var ranks = steps.Select(s =>
                {
                    removed |= s == "remove";
                    return Array.IndexOf(order, removed && s == "flush folder" ? "flush folder after removal" : s);
                }).ToList();
                Assert.DoesNotContain(-1, ranks);
                Assert.Equal(ranks.OrderBy(r => r).ToList(), ranks);
                var renames = batch.Count(h => h.Step == "rename");
                Assert.Equal(renames, batch.Count(h => h.Step == "flush"));
                Assert.Equal(renames, batch.Count(h => h.Step == "check"));
            }

            // The first batch: one folder flushed once, one journal fsynced once for 16 files.
            Assert.Equal(16, batches[0].Count(h => h.Step == "rename"));
            Assert.Equal(new[] { emlFolder }, batches[0].Where(h => h.Step == "flush folder").Select(h => h.Path).ToArray());
            Assert.Single(batches[0], h => h.Step == "journal");
            // The second: the Maildir messages change name (new sizes), so the old names go once the new are flushed, and are flushed gone.
            var second = batches[1];
            Assert.Equal(2, second.Count(h => h.Step == "remove"));
            var lastRemove = second.FindLastIndex(h => h.Step == "remove");
            Assert.Contains(second.Take(second.FindIndex(h => h.Step == "remove")), h => h.Step == "flush folder" && h.Path == Path.Combine(maildir, "cur"));
            Assert.Contains(second.Skip(lastRemove), h => h.Step == "flush folder" && h.Path == Path.Combine(maildir, "cur"));
            Assert.Equal(2, second.Count(h => h.Step == "journal"));
            Assert.Equal(new[] { 16, 20 }, new[] { journalled[0], journalled[1] });
            Assert.Equal(2, DoneLines(maildir).Length);
            Assert.Empty(Temporary(_folder));
            Assert.Equal(2, Directory.GetFiles(Path.Combine(maildir, "cur")).Length);
            foreach (var file in Directory.GetFiles(emlFolder, "*.eml").Concat(Directory.GetFiles(Path.Combine(maildir, "cur"))))
            {
                Assert.Equal(2, Recipients(file));
            }
        }

        [Theory]
        [InlineData(1, "check")]
        [InlineData(2, "check")]
        [InlineData(2, "flush")]
        public void AJobStoppedMidBatchPutsNothingOfTheBatchInPlaceAndLeavesNoTemporaryFile(int workers, string stopAt)
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            var originals = Archive(20);
            using var stop = new CancellationTokenSource();
            var heardAt = 0;
            var handed = new List<string>();
            using (var job = new EncryptionUpdateJob(Options(oldKey, newKey.Certificate))
            {
                BatchStep = (step, _) =>
                {
                    // Ctrl+C in the second batch, after some of its files were written, flushed or checked.
                    if (step == stopAt && ++heardAt == 16 + 3)
                    {
                        stop.Cancel();
                    }
                },
            })
            {
                Assert.ThrowsAny<OperationCanceledException>(() => job.UpdateAll(Items(), workers, (item, _, _) => handed.Add(item.Path), stop.Token));
            }

            // The first batch is in place and journalled; nothing of the second is, and none of its temporary files is left.
            Assert.Equal(16, handed.Count);
            Assert.Equal(16, DoneLines(Path.Combine(_folder, "eml")).Length);
            Assert.Empty(DoneLines(Path.Combine(_folder, "Maildir")));
            Assert.Empty(Temporary(_folder));
            foreach (var (path, content) in originals)
            {
                if (handed.Contains(path))
                {
                    Assert.NotEqual(content, File.ReadAllBytes(path));
                }
                else
                {
                    Assert.Equal(content, File.ReadAllBytes(path));
                }
            }
        }

        [Fact]
        public void AMessageRenamedButNotJournalledIsSkippedByTheNextRunNotRewrittenAgain()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            Archive(3);
            // As a kill after the renames and before the journal: the batch stops there.
            using (var job = new EncryptionUpdateJob(Options(oldKey, newKey.Certificate))
            {
                BatchStep = (step, _) =>
                {
                    if (step == "flush folder")
                    {
                        throw new IOException("killed");
                    }
                },
            })
            {
                Assert.Throws<IOException>(() => job.UpdateAll(Items(), 1, (_, _, _) => { }));
            }

            Assert.Empty(DoneLines(Path.Combine(_folder, "eml")));
            Assert.Empty(Temporary(_folder));
            var files = Directory.GetFiles(Path.Combine(_folder, "eml"), "*.eml").Concat(Directory.GetFiles(Path.Combine(_folder, "Maildir", "cur"))).ToList();
            // Nothing lost: each name holds the checked new message (the Maildir's old names stay beside the new, never neither).
            var now = files.ToDictionary(f => f, f => SHA256.HashData(File.ReadAllBytes(f)));
            var updates = new List<MessageUpdate>();
            using (var rerun = new EncryptionUpdateJob(Options(oldKey, newKey.Certificate)))
            {
                rerun.UpdateAll(Items(), 1, (_, u, p) =>
                {
                    Assert.Empty(p);
                    updates.AddRange(u);
                });
                Assert.Equal(0, rerun.Summary.Failed);
            }

            var emlUpdates = updates.Where(u => u.Path!.EndsWith(".eml", StringComparison.Ordinal)).ToList();
            Assert.Equal(3, emlUpdates.Count);
            Assert.All(emlUpdates, u => Assert.Equal("already encrypted to every target recipient", u.Reason));
            foreach (var file in files.Where(f => f.EndsWith(".eml", StringComparison.Ordinal)))
            {
                Assert.Equal(now[file], SHA256.HashData(File.ReadAllBytes(file)));
                Assert.Equal(2, Recipients(file));
            }

            // Every Maildir message is encrypted to both once the rerun is done, one file for each.
            var cur = Directory.GetFiles(Path.Combine(_folder, "Maildir", "cur"));
            Assert.Equal(2, cur.Length);
            Assert.All(cur, f => Assert.Equal(2, Recipients(f)));
        }
    }
}
