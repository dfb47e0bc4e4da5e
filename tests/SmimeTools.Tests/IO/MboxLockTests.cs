using System;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using System.Text;
using System.Threading.Tasks;
using SmimeTools.Engine;
using SmimeTools.Engine.IO;
using SmimeTools.Tests.Interop;
using Xunit;

namespace SmimeTools.Tests.IO
{
    /// <summary>
    /// An mbox is locked against mutt, Dovecot and delivery agents with a dot-lock file and an fcntl lock, checked
    /// against real other processes (python's fcntl.lockf, flock(1), liblockfile's dotlockfile); never breaks their locks.
    /// </summary>
    public sealed class MboxLockTests : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("mboxlock-").FullName;

        public MboxLockTests()
        {
            Mailbox = Path.Combine(_folder, "inbox");
            File.WriteAllText(Mailbox, "From alice@example.com Mon Jan  1 00:00:00 2024\nSubject: hi\n\nhello\n");
        }

        private string Mailbox { get; }

        private string Dotlock => Mailbox + ".lock";

        public void Dispose()
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            Directory.Delete(_folder, recursive: true);
        }

        private static void RequireLinux() => Skip.IfNot(OperatingSystem.IsLinux(), "dot-lock and fcntl locking are checked on Linux.");

        private string[] FilesBesideTheMailbox() => Directory.GetFiles(_folder).Select(Path.GetFileName).Where(n => n != "inbox").ToArray()!;

        private static string ErrorIdOf(Action action) => Assert.Throws<SmimeException>(action).ErrorId;

        [SkippableFact]
        public void AcquiringMakesOurDotlockAndReleasingLeavesNothing()
        {
            RequireLinux();
            using (var mailboxLock = MboxLock.Acquire(Mailbox))
            {
                Assert.Equal(Dotlock, mailboxLock.DotlockPath);
                Assert.Equal($"{Environment.ProcessId}\nsmimetools@{Environment.MachineName}\n", File.ReadAllText(Dotlock));
                Assert.Equal(new[] { "inbox.lock" }, FilesBesideTheMailbox());
            }

            Assert.Empty(FilesBesideTheMailbox());
        }

        [SkippableFact]
        public void DisposingTwiceLeavesALaterLockAlone()
        {
            RequireLinux();
            var first = MboxLock.Acquire(Mailbox);
            first.Dispose();
            using (MboxLock.Acquire(Mailbox))
            {
                first.Dispose();

                Assert.True(File.Exists(Dotlock));
                Assert.False(LockHolder.FcntlLockIsFree(Mailbox));
            }
        }

        [SkippableFact]
        public void TheLockedStreamReadsAndWritesTheMailbox()
        {
            RequireLinux();
            using (var mailboxLock = MboxLock.Acquire(Mailbox))
            {
                Assert.StartsWith("From alice", new StreamReader(mailboxLock.Stream, leaveOpen: true).ReadLine());
                mailboxLock.Stream.Seek(0, SeekOrigin.End);
                mailboxLock.Stream.Write(Encoding.ASCII.GetBytes("\n"));
            }

            Assert.EndsWith("hello\n\n", File.ReadAllText(Mailbox));
        }

        [SkippableTheory]
        [InlineData("1\n")]
        // Above the largest pid_max Linux allows, so no process has it.
        [InlineData("4194305\n")]
        [InlineData("0\n")]
        [InlineData("")]
        public void AnExistingDotlockIsMailboxLockedAndLeftAsItIs(string content)
        {
            RequireLinux();
            File.WriteAllText(Dotlock, content);
            // Older than liblockfile's 5 minutes: stale by its rule, and still not ours to break.
            var written = DateTime.UtcNow.AddMinutes(-30);
            File.SetLastWriteTimeUtc(Dotlock, written);

            Assert.Equal(ErrorIds.MailboxLocked, ErrorIdOf(() => MboxLock.Acquire(Mailbox)));

            Assert.Equal(content, File.ReadAllText(Dotlock));
            Assert.Equal(written, File.GetLastWriteTimeUtc(Dotlock));
            Assert.Equal(new[] { "inbox.lock" }, FilesBesideTheMailbox());
        }

        [SkippableTheory]
        [InlineData(true)]
        [InlineData(false)]
        public void ADotlockAKilledSmimeToolsProcessOfThisMachineLeftIsTakenOverAndNoOtherOne(bool thisMachine)
        {
            RequireLinux();
            // Above the largest pid_max Linux allows, so no process has it: the run that made it was killed.
            var content = "4194305\nsmimetools@" + (thisMachine ? Environment.MachineName : "another-host") + "\n";
            File.WriteAllText(Dotlock, content);

            if (thisMachine)
            {
                using (var taken = MboxLock.Acquire(Mailbox))
                {
                    Assert.StartsWith(Environment.ProcessId + "\n", File.ReadAllText(Dotlock), StringComparison.Ordinal);
                }

                Assert.False(File.Exists(Dotlock));
            }
            else
            {
                Assert.Equal(ErrorIds.MailboxLocked, ErrorIdOf(() => MboxLock.Acquire(Mailbox)));
                Assert.Equal(content, File.ReadAllText(Dotlock));
            }
        }

        [SkippableFact]
        public void AnFcntlLockOfAnotherProcessIsMailboxLockedAndOurDotlockIsTakenBack()
        {
            RequireLinux();
            using var holder = LockHolder.Fcntl(Mailbox);

            Assert.Equal(ErrorIds.MailboxLocked, ErrorIdOf(() => MboxLock.Acquire(Mailbox)));
            Assert.Empty(FilesBesideTheMailbox());
        }

        [SkippableFact]
        public void OurFcntlLockBlocksAnotherProcessUntilReleased()
        {
            RequireLinux();
            Assert.True(LockHolder.FcntlLockIsFree(Mailbox));
            using (MboxLock.Acquire(Mailbox))
            {
                Assert.False(LockHolder.FcntlLockIsFree(Mailbox));
            }

            Assert.True(LockHolder.FcntlLockIsFree(Mailbox));
        }

        [SkippableFact]
        public void AnFlockOfAnotherProcessIsMailboxLocked()
        {
            RequireLinux();
            using var holder = LockHolder.Flock(Mailbox);

            Assert.Equal(ErrorIds.MailboxLocked, ErrorIdOf(() => MboxLock.Acquire(Mailbox)));
            Assert.Empty(FilesBesideTheMailbox());
        }

        [SkippableFact]
        [SupportedOSPlatform("linux")]
        public void FcntlLetsThisProcessLockTwiceSoTheDotlockRefusesTheSecondLock()
        {
            RequireLinux();
            using (var first = new FileStream(Mailbox, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
            using (var second = new FileStream(Mailbox, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
            {
                first.Lock(0, 0);
                second.Lock(0, 0);
            }

            using (MboxLock.Acquire(Mailbox))
            {
                Assert.Equal(ErrorIds.MailboxLocked, ErrorIdOf(() => MboxLock.Acquire(Mailbox)));
                Assert.True(File.Exists(Dotlock));
                Assert.False(LockHolder.FcntlLockIsFree(Mailbox));
            }

            Assert.False(File.Exists(Dotlock));
        }

        [SkippableFact]
        public void WaitingTakesTheLockOnceTheOtherProcessLetsGo()
        {
            RequireLinux();
            using var holder = LockHolder.Fcntl(Mailbox);
            Assert.Equal(ErrorIds.MailboxLocked, ErrorIdOf(() => MboxLock.Acquire(Mailbox)));

            var waiting = Task.Run(() => MboxLock.Acquire(Mailbox, TimeSpan.FromSeconds(60)));
            Assert.False(waiting.Wait(TimeSpan.FromMilliseconds(500)));
            holder.Release();

            using (var mailboxLock = waiting.GetAwaiter().GetResult())
            {
                Assert.True(File.Exists(Dotlock));
            }

            Assert.Empty(FilesBesideTheMailbox());
        }

        [SkippableFact]
        public void DotlockfileSeesOurLockAndWeSeeItsLock()
        {
            RequireLinux();
            Skip.If(ExternalTool.Find("dotlockfile") == null, "'dotlockfile' is not installed (Debian package liblockfile-bin), so this test did not run.");
            string[] once = { "-l", "-r", "0", Dotlock };
            using (MboxLock.Acquire(Mailbox))
            {
                Assert.NotEqual(0, ExternalTool.Run("dotlockfile", once).ExitCode);
                Assert.Equal($"{Environment.ProcessId}\nsmimetools@{Environment.MachineName}\n", File.ReadAllText(Dotlock));
            }

            Assert.Equal(0, ExternalTool.Run("dotlockfile", once).ExitCode);
            var made = File.ReadAllBytes(Dotlock);
            Assert.Equal(ErrorIds.MailboxLocked, ErrorIdOf(() => MboxLock.Acquire(Mailbox)));
            Assert.Equal(made, File.ReadAllBytes(Dotlock));

            Assert.Equal(0, ExternalTool.Run("dotlockfile", new[] { "-u", Dotlock }).ExitCode);
            using (MboxLock.Acquire(Mailbox))
            {
            }
        }

        [SkippableFact]
        [SupportedOSPlatform("linux")]
        public void AFolderWeMayNotWriteInIsMailboxLockFailed()
        {
            RequireLinux();
            Skip.If(Environment.UserName == "root", "root may create files in any folder, so a read-only folder cannot be shown to it.");
            File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);

            Assert.Equal(ErrorIds.MailboxLockFailed, ErrorIdOf(() => MboxLock.Acquire(Mailbox)));
        }

        [SkippableFact]
        public void AFolderWhereNoFileCanBeMadeIsMailboxLockFailedEvenForRoot()
        {
            RequireLinux();
            // procfs lets nobody create files, root included.
            Assert.Equal(ErrorIds.MailboxLockFailed, ErrorIdOf(() => MboxLock.Acquire("/proc/self/status")));
        }

        [Fact]
        public void AMissingMailboxIsPathNotFound()
        {
            Assert.Equal(ErrorIds.PathNotFound, ErrorIdOf(() => MboxLock.Acquire(Path.Combine(_folder, "absent"))));
            Assert.Empty(FilesBesideTheMailbox());
        }
    }
}
