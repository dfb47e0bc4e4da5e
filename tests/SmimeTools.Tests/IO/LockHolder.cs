using System;
using System.Diagnostics;
using SmimeTools.Tests.Interop;
using Xunit;

namespace SmimeTools.Tests.IO
{
    /// <summary>
    /// Another process that holds a lock on a file until released: it takes the lock, prints "locked", and lets go when
    /// its standard input closes. A lock from this test process would not do, as fcntl locks belong to the process.
    /// </summary>
    internal sealed class LockHolder : IDisposable
    {
        private readonly Process _process;

        private LockHolder(Process process) => _process = process;

        /// <summary>Python's fcntl.lockf, which is fcntl(2) F_SETLK on the whole file, as mutt and Dovecot take it.</summary>
        public static LockHolder Fcntl(string path) =>
            Start("python3", "-c", "import fcntl,sys; f=open(sys.argv[1],'r+'); fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB); print('locked', flush=True); sys.stdin.readline()", path);

        /// <summary>util-linux flock(1), which is flock(2): a different lock from fcntl's.</summary>
        public static LockHolder Flock(string path) =>
            Start("flock", "--exclusive", "--nonblock", path, "-c", "echo locked; read line");

        /// <summary>
        /// Runs python's fcntl.lockf with LOCK_NB once on <paramref name="path"/>: true when it got the lock (and let it go),
        /// false when another process holds it.
        /// </summary>
        public static bool FcntlLockIsFree(string path)
        {
            ExternalTool.Require("python3");
            var (exitCode, _, stderr) = ExternalTool.Run("python3", new[]
            {
                "-c", "import fcntl,sys\nf=open(sys.argv[1],'r+')\ntry:\n    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n    sys.exit(3)", path,
            });
            Assert.True(exitCode is 0 or 3, $"python3 failed: {stderr}");
            return exitCode == 0;
        }

        /// <summary>Lets go of the lock and waits until the process has gone.</summary>
        public void Release()
        {
            if (_process.HasExited)
            {
                return;
            }

            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }

        public void Dispose()
        {
            Release();
            _process.Dispose();
        }

        private static LockHolder Start(string tool, params string[] arguments)
        {
            var path = ExternalTool.Find(tool);
            Skip.If(path == null, $"'{tool}' is not installed (not on PATH), so this test did not run.");
            var start = new ProcessStartInfo(path!)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException($"'{tool}' did not start.");
            var holder = new LockHolder(process);
            var line = process.StandardOutput.ReadLineAsync();
            if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result != "locked")
            {
                var error = process.HasExited ? process.StandardError.ReadToEnd() : "(still running)";
                holder.Dispose();
                throw new InvalidOperationException($"'{tool}' did not take the lock: {error}");
            }

            return holder;
        }
    }
}
