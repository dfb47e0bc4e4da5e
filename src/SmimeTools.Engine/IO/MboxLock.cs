using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.Versioning;
using System.Text;
using System.Threading;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// Locks an mbox mailbox the way mutt, Dovecot (<c>mbox_write_locks = dotlock fcntl</c>) and delivery agents do, so
    /// none of them writes to it while it is rewritten: first the dot-lock file <c>&lt;mailbox&gt;.lock</c>, made
    /// atomically with link(2) and holding our process ID (liblockfile's format), then an exclusive fcntl(2) lock on
    /// the whole mailbox. A lock held by another program is refused at once, or after <c>wait</c>, with
    /// <see cref="ErrorIds.MailboxLocked"/>; another program's dot-lock file is never removed, however old.
    /// </summary>
    /// <remarks>
    /// <para>fcntl locks belong to the process: a second fcntl lock from this process succeeds, and closing any other
    /// handle this process has on the mailbox releases ours. So read and write the mailbox through <see cref="Stream"/>
    /// only; the dot-lock file is what refuses a second <see cref="MboxLock"/> in the same process.</para>
    /// <para>Renaming a new file over a locked mailbox leaves programs waiting for the lock with the old, unlinked file:
    /// rewrite an mbox in place through <see cref="Stream"/>.</para>
    /// <para>On Linux the fcntl lock is <see cref="FileStream.Lock"/>, which .NET implements with fcntl F_SETLK. On macOS
    /// and FreeBSD .NET has no region lock and fcntl is variadic (unsafe to call through P/Invoke on Apple arm64), so
    /// the mailbox is opened exclusively instead, which .NET does with flock(2). Windows has no dot-lock or fcntl
    /// convention: there the mailbox is only opened with <see cref="FileShare.None"/>.</para>
    /// </remarks>
    public sealed class MboxLock : IDisposable
    {
        private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(200);

        // Dovecot overrides a dot-lock left unchanged for 2 minutes (mbox_dotlock_change_timeout), liblockfile after 5.
        private static readonly TimeSpan TouchInterval = TimeSpan.FromSeconds(30);

        // liblockfile takes a dot-lock file without a process ID, untouched this long, for stale.
        private static readonly TimeSpan StaleAge = TimeSpan.FromMinutes(5);

        // EAGAIN on Linux: what fcntl F_SETLK and .NET's flock on open answer when another process holds the lock.
        private const int WouldBlock = 11;

        private readonly Timer? _touch;
        private readonly bool _fcntlLocked;
        private FileStream? _stream;

        private MboxLock(string mailboxPath, string? dotlockPath, FileStream stream, bool fcntlLocked)
        {
            MailboxPath = mailboxPath;
            DotlockPath = dotlockPath;
            _stream = stream;
            _fcntlLocked = fcntlLocked;
            if (dotlockPath != null)
            {
                _touch = new Timer(_ => Touch(dotlockPath), null, TouchInterval, TouchInterval);
            }
        }

        /// <summary>The locked mailbox, as a full path.</summary>
        public string MailboxPath { get; }

        /// <summary>The dot-lock file this lock made, removed on <see cref="Dispose"/>; null on Windows.</summary>
        public string? DotlockPath { get; }

        /// <summary>The mailbox, open for reading and writing under the lock; the only handle to use on it.</summary>
        public FileStream Stream => _stream ?? throw new ObjectDisposedException(nameof(MboxLock));

        /// <summary>
        /// Locks <paramref name="mailboxPath"/>, trying again every 200 ms for up to <paramref name="wait"/> (by default
        /// not at all) while another program holds it.
        /// </summary>
        /// <exception cref="SmimeException">
        /// <see cref="ErrorIds.MailboxLocked"/> when another program holds a lock; <see cref="ErrorIds.MailboxLockFailed"/>
        /// when the lock cannot be taken at all (the folder is not writable); <see cref="ErrorIds.PathNotFound"/>.
        /// </exception>
        public static MboxLock Acquire(string mailboxPath, TimeSpan wait = default, CancellationToken cancellationToken = default)
        {
            ArgumentException.ThrowIfNullOrEmpty(mailboxPath);
            var mailbox = Path.GetFullPath(mailboxPath);
            var waited = Stopwatch.StartNew();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!File.Exists(mailbox))
                {
                    throw new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ReadError,
                        $"Cannot lock the mailbox '{mailbox}': it does not exist.", "Check the path.", mailbox);
                }

                try
                {
                    return TryAcquire(mailbox);
                }
                catch (SmimeException e) when (e.ErrorId == ErrorIds.MailboxLocked && waited.Elapsed + RetryInterval <= wait)
                {
                    cancellationToken.WaitHandle.WaitOne(RetryInterval);
                }
            }
        }

        /// <summary>Releases the fcntl lock, closes the mailbox, then removes the dot-lock file if it is still ours.</summary>
        public void Dispose()
        {
            // Once only: a second removal could take the dot-lock file of a later lock in this process, which reads the same.
            var stream = _stream;
            if (stream == null)
            {
                return;
            }

            _stream = null;
            _touch?.Dispose();
            if (_fcntlLocked && OperatingSystem.IsLinux())
            {
                try
                {
                    stream.Unlock(0, 0);
                }
                catch (IOException)
                {
                    // Closing the handle below releases it anyway.
                }
            }

            stream.Dispose();
            if (DotlockPath != null)
            {
                RemoveIfOurs(DotlockPath);
            }
        }

        private static MboxLock TryAcquire(string mailbox)
        {
            if (OperatingSystem.IsWindows())
            {
                return new MboxLock(mailbox, null, OpenExclusively(mailbox), fcntlLocked: false);
            }

            var dotlock = mailbox + ".lock";
            CreateDotlock(mailbox, dotlock);
            try
            {
                return OperatingSystem.IsLinux()
                    ? new MboxLock(mailbox, dotlock, OpenWithFcntlLock(mailbox), fcntlLocked: true)
                    : new MboxLock(mailbox, dotlock, OpenExclusively(mailbox), fcntlLocked: false);
            }
            catch
            {
                RemoveIfOurs(dotlock);
                throw;
            }
        }

        // liblockfile's "<pid>\n", and a second line saying the lock is SmimeTools' on this machine: only such a lock, whose
        // process is gone, is taken over (a job killed with SIGKILL leaves it); another program's lock is never removed.
        private static string OurContent => Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n" + OurMark + "\n";

        private static string OurMark => "smimetools@" + Environment.MachineName;

        // liblockfile's way: a unique file in the same folder, link(2)ed to the lock name, which fails if the name exists.
        private static void CreateDotlock(string mailbox, string dotlock)
        {
            var folder = Path.GetDirectoryName(dotlock) ?? ".";
            var unique = Path.Combine(folder, "." + Path.GetFileName(dotlock) + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "." + Guid.NewGuid().ToString("N")[..12]);
            try
            {
                WriteNew(unique);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CannotLock(mailbox, $"the dot-lock file '{dotlock}' cannot be created, because the folder '{folder}' is not writable by you ({e.Message})", e);
            }

            try
            {
                var error = HardLink.TryCreate(unique, dotlock);
                if (error == 0)
                {
                    return;
                }

                if (error == HardLink.AlreadyExists)
                {
                    if (IsSameFile(unique, dotlock))
                    {
                        // NFS may answer a retried link(2) that did succeed with EEXIST; liblockfile checks the link count.
                        return;
                    }

                    if (RemoveIfLeftByUs(dotlock) && HardLink.TryCreate(unique, dotlock) == 0)
                    {
                        return;
                    }

                    throw Held(mailbox, dotlock);
                }

                // No hard links on this file system (vfat, some FUSE and SMB mounts): O_CREAT|O_EXCL is atomic there.
                try
                {
                    WriteNew(dotlock);
                }
                catch (IOException) when (File.Exists(dotlock))
                {
                    throw Held(mailbox, dotlock);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw CannotLock(mailbox, $"the dot-lock file '{dotlock}' cannot be created ({e.Message})", e);
                }
            }
            finally
            {
                File.Delete(unique);
            }
        }

        private static void WriteNew(string path)
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            }

            using var file = new FileStream(path, options);
            file.Write(Encoding.ASCII.GetBytes(OurContent));
        }

        // Two names of one file share its modification time: give ours a time nobody else would choose, and compare.
        private static bool IsSameFile(string unique, string dotlock)
        {
            try
            {
                var marker = DateTime.UnixEpoch.AddSeconds(Random.Shared.Next(1, int.MaxValue));
                File.SetLastWriteTimeUtc(unique, marker);
                return File.GetLastWriteTimeUtc(dotlock) == marker;
            }
            catch (IOException)
            {
                return false;
            }
        }

        [SupportedOSPlatform("linux")]
        private static FileStream OpenWithFcntlLock(string mailbox)
        {
            FileStream stream;
            try
            {
                // Shared, so this process may still open the mailbox; .NET takes a shared flock(2) on it, which mutt's flock respects.
                stream = new FileStream(mailbox, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1 << 16);
            }
            catch (IOException e) when (e.HResult == WouldBlock)
            {
                throw Locked(mailbox, "another program holds an flock(2) lock on it", e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CannotLock(mailbox, $"it cannot be opened for writing ({e.Message})", e);
            }

            try
            {
                // Length 0 is fcntl's "to the end of the file, however far it grows", as Dovecot and mutt lock it.
                stream.Lock(0, 0);
                return stream;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stream.Dispose();
                if (e is UnauthorizedAccessException || e.HResult == WouldBlock)
                {
                    throw Locked(mailbox, "another program (a mail client, a delivery agent or Dovecot) holds an fcntl lock on it", e);
                }

                throw CannotLock(mailbox, $"an fcntl lock cannot be taken on it ({e.Message}; on NFS the lock daemon must run)", e);
            }
        }

        private static FileStream OpenExclusively(string mailbox)
        {
            try
            {
                return new FileStream(mailbox, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1 << 16);
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
            {
                throw Locked(mailbox, OperatingSystem.IsWindows() ? "another program has it open" : "another program holds an flock(2) lock on it", e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CannotLock(mailbox, $"it cannot be opened for writing ({e.Message})", e);
            }
        }

        private static SmimeException Held(string mailbox, string dotlock)
        {
            var (pid, age) = ReadDotlock(dotlock);
            var ours = pid == Environment.ProcessId;
            var running = pid is { } other && !ours && IsRunning(other);
            var holder = pid == null ? "with no process ID in it"
                : ours ? $"made by this process ({pid}) for another lock on the same mailbox"
                : running ? $"made by process {pid}, which is running"
                : $"made by process {pid}, which no longer runs on this machine";
            var ageText = age is { } known ? $", {Describe(known)} old" : string.Empty;
            // liblockfile's rule for a stale lock, reported and left for the user to judge.
            var stale = pid == null ? age > StaleAge : !ours && !running;
            var action = stale
                ? $"If no program uses the mailbox any more, remove '{dotlock}' and run again; SmimeTools removes only a lock it left itself."
                : "Close the mail client or stop the delivery agent that uses the mailbox, or run again later.";
            return new SmimeException(ErrorIds.MailboxLocked, SmimeErrorKind.ResourceUnavailable,
                $"The mailbox '{mailbox}' is locked: the dot-lock file '{dotlock}' exists ({holder}{ageText}). It was not touched.", action, mailbox);
        }

        private static SmimeException Locked(string mailbox, string how, Exception inner) =>
            new(ErrorIds.MailboxLocked, SmimeErrorKind.ResourceUnavailable,
                $"The mailbox '{mailbox}' is locked: {how}. It was not touched.",
                "Close the mail client or stop the delivery agent that uses the mailbox, or run again later.", mailbox, inner);

        private static SmimeException CannotLock(string mailbox, string why, Exception inner) =>
            new(ErrorIds.MailboxLockFailed, SmimeErrorKind.WriteError,
                $"Cannot lock the mailbox '{mailbox}': {why}. It was not touched.",
                "Run as a user who may write in the mailbox's folder (the group mail for /var/mail), or work on a copy in a folder of your own.", mailbox, inner);

        // liblockfile writes "<pid>\n", Dovecot "<pid>:<host>"; the leading digits are the process either way.
        private static (int? Pid, TimeSpan? Age) ReadDotlock(string dotlock)
        {
            try
            {
                var age = DateTime.UtcNow - File.GetLastWriteTimeUtc(dotlock);
                var buffer = new byte[32];
                int read;
                using (var file = new FileStream(dotlock, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                {
                    read = file.Read(buffer, 0, buffer.Length);
                }

                var digits = 0;
                while (digits < read && buffer[digits] is >= (byte)'0' and <= (byte)'9')
                {
                    digits++;
                }

                var pid = int.TryParse(Encoding.ASCII.GetString(buffer, 0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0 ? number : (int?)null;
                return (pid, age);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (null, null);
            }
        }

        private static bool IsRunning(int pid)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }

        private static string Describe(TimeSpan age) =>
            age.TotalMinutes < 2 ? $"{Math.Max(0, (int)age.TotalSeconds)} s" : age.TotalHours < 2 ? $"{(int)age.TotalMinutes} min" : $"{(int)age.TotalHours} h";

        private static void Touch(string dotlock)
        {
            try
            {
                File.SetLastWriteTimeUtc(dotlock, DateTime.UtcNow);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Our process ID in it still marks it as held for liblockfile and Dovecot.
            }
        }

        /// <summary>
        /// Removes a dot-lock an earlier SmimeTools process on this machine left when it was killed: it carries our mark and a
        /// process ID that no longer runs. Read twice, so a lock taken again meanwhile is left alone.
        /// </summary>
        private static bool RemoveIfLeftByUs(string dotlock)
        {
            try
            {
                var content = File.ReadAllText(dotlock, Encoding.ASCII);
                var lines = content.Split('\n');
                if (lines.Length < 2 || lines[1] != OurMark
                    || !int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId || IsRunning(pid))
                {
                    return false;
                }

                if (File.ReadAllText(dotlock, Encoding.ASCII) != content)
                {
                    return false;
                }

                File.Delete(dotlock);
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        // A lock file that another program made after ours was broken is theirs: leave it.
        private static void RemoveIfOurs(string dotlock)
        {
            try
            {
                var content = File.ReadAllText(dotlock, Encoding.ASCII);
                if (content == OurContent)
                {
                    File.Delete(dotlock);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left behind with our process ID in it, which lock takers treat as stale once we have exited.
            }
        }
    }
}
