using System;
using System.Diagnostics;
using System.Globalization;

namespace SmimeTools.TestPki
{
    /// <summary>
    /// <c>dotnet SmimeTools.TestPki.dll &lt;folder&gt;</c>: creates the test PKI in the folder and prints the
    /// manifest path on stdout. Exit code 0 on success, 1 on failure, 2 on wrong usage (message on stderr).
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            if (args.Length == 3 && args[0] == "--directory")
            {
                // dotnet SmimeTools.TestPki.dll --directory <pki-folder> <work-folder>: starts the test slapd, prints its JSON.
                try
                {
                    Console.Out.WriteLine(TestDirectoryServer.Start(args[1], args[2]).ToJson());
                    return 0;
                }
                catch (Exception ex)
                {
                    Console.Error.WriteLine("SmimeTools.TestPki: " + ex.Message);
                    return 1;
                }
            }

            if (args.Length != 1 || string.IsNullOrWhiteSpace(args[0]) || args[0] is "-h" or "--help" or "/?")
            {
                Console.Error.WriteLine("usage: dotnet SmimeTools.TestPki.dll <folder>");
                Console.Error.WriteLine("Creates the SmimeTools test PKI in <folder> and prints the path of its manifest.json.");
                return 2;
            }

            try
            {
                var watch = Stopwatch.StartNew();
                TestPki pki = TestPki.Create(args[0]);
                watch.Stop();
                Console.Out.WriteLine(pki.ManifestPath);
                if (Environment.GetEnvironmentVariable("SMIMETOOLS_TESTPKI_TIMING") == "1")
                {
                    Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "created in {0} ms", watch.ElapsedMilliseconds));
                }

                return 0;
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine("SmimeTools.TestPki: " + ex.GetType().Name + ": " + ex.Message);
                return 1;
            }
        }
    }
}
