using System;

namespace SmimeTools.Fuzz
{
    /// <summary>One parser's entry point under fuzzing: a name (also the folder of its seeds and regressions) and what it does with one input.</summary>
    internal sealed class FuzzTarget
    {
        private readonly Action<byte[]> _run;

        public FuzzTarget(string name, string seeds, Action<byte[]> run)
        {
            Name = name;
            Seeds = seeds;
            _run = run;
        }

        public string Name { get; }

        /// <summary>Where its seeds come from, for the README and the Fuzz task's output.</summary>
        public string Seeds { get; }

        public void Run(byte[] input) => _run(input);
    }
}
