using System;
using System.IO;
using System.Linq;
using SharpFuzz;

namespace SmimeTools.Fuzz
{
    /// <summary>
    /// fuzz TARGET: the AFL++ loop (under afl-fuzz, with the engine instrumented by sharpfuzz);
    /// seeds TARGET FOLDER: writes the generated seeds; replay [--stack KIB] TARGET PATH...: runs files and reports each
    /// outcome, on a thread of a KIB stack when given (deep nesting must fail as damaged on the smallest stack a cmdlet
    /// may run on, not overflow it); list: the targets and where their seeds come from. The test PKI folder is SMIMETOOLS_FUZZ_PKI (default out/test-pki).
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            if (args.Length == 0)
            {
                Console.Error.WriteLine("usage: SmimeTools.Fuzz list | fuzz TARGET | seeds TARGET FOLDER | replay [--stack KIB] TARGET PATH...");
                return 2;
            }

            string pki = Environment.GetEnvironmentVariable("SMIMETOOLS_FUZZ_PKI") ?? Path.GetFullPath("out/test-pki");
            string scratch = Path.Combine(Path.GetTempPath(), $"smimetools-fuzz-{Environment.ProcessId}");
            using var targets = new FuzzTargets(pki, scratch);
            try
            {
                switch (args[0])
                {
                    case "list":
                        foreach (var target in targets.All)
                        {
                            Console.WriteLine($"{target.Name}\t{target.Seeds}");
                        }

                        return 0;
                    case "fuzz":
                        Fuzz(targets[args[1]]);
                        return 0;
                    case "seeds":
                        Console.WriteLine($"{FuzzSeeds.Write(targets, args[1], args[2])} generated seeds for {args[1]} in {args[2]}");
                        return 0;
                    case "replay" when args.Length > 2 && args[1] == "--stack":
                        return OnStack(int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture),
                            () => Replay(targets[args[3]], args.Skip(4)));
                    case "replay":
                        return Replay(targets[args[1]], args.Skip(2));
                    default:
                        Console.Error.WriteLine($"Unknown command '{args[0]}'.");
                        return 2;
                }
            }
            finally
            {
                try
                {
                    Directory.Delete(scratch, recursive: true);
                }
                catch (IOException)
                {
                    // A scratch folder in the temporary folder does no harm.
                }
            }
        }

        private static void Fuzz(FuzzTarget target)
        {
            // Nothing instrumented may run before Fuzzer.Run sets up AFL's shared map; the first input warms up (FuzzBounds repeats a slow run).
            Fuzzer.Run(stream =>
            {
                var input = new MemoryStream();
                stream.CopyTo(input);
                var bytes = input.ToArray();
                FuzzBounds.Enforce(FuzzBounds.Measure(target, bytes), target.Name, bytes.Length);
            });
        }

        /// <summary>Runs <paramref name="run"/> on a thread of <paramref name="kib"/> KiB of stack and returns its result.</summary>
        private static int OnStack(int kib, Func<int> run)
        {
            int result = 2;
            var thread = new System.Threading.Thread(() => result = run(), kib * 1024);
            thread.Start();
            thread.Join();
            return result;
        }

        private static int Replay(FuzzTarget target, System.Collections.Generic.IEnumerable<string> paths)
        {
            int findings = 0;
            var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : new[] { p });
            foreach (var file in files.OrderBy(f => f, StringComparer.Ordinal))
            {
                var bytes = File.ReadAllBytes(file);
                var outcome = FuzzBounds.Measure(target, bytes);
                try
                {
                    FuzzBounds.Enforce(outcome, target.Name, bytes.Length);
                    Console.WriteLine($"ok\t{file}\t{outcome.ErrorId ?? "accepted"}\t{outcome.Elapsed.TotalMilliseconds:N0} ms\t{outcome.AllocatedBytes:N0} B");
                }
                catch (FuzzFindingException e)
                {
                    findings++;
                    Console.WriteLine($"FINDING\t{file}\t{e.Message}");
                }
            }

            return findings == 0 ? 0 : 1;
        }
    }
}
