using System;
using System.IO;
using System.Linq;
using SmimeTools.Engine.Messages;

namespace SmimeTools.Tests.Operations
{
    /// <summary>A temporary folder that batch tests write message files to, the way the engine writes them.</summary>
    internal sealed class MessageFileFolder : IDisposable
    {
        private readonly string _path;

        public MessageFileFolder(string prefix) => _path = Directory.CreateTempSubdirectory(prefix).FullName;

        public void Dispose() => Directory.Delete(_path, recursive: true);

        /// <summary>Every file in the folder, hidden temporary files too, by name.</summary>
        public string[] Files() => Directory.GetFiles(_path, "*", new EnumerationOptions { AttributesToSkip = 0 }).Select(Path.GetFileName).Order().ToArray()!;

        /// <summary>The output of message <paramref name="i"/>: m000.eml and so on.</summary>
        public MessageOutput Output(int i) => MessageOutput.ToFile(Path.Combine(_path, $"m{i:000}.eml"), overwrite: false);

        /// <summary>Writes message <paramref name="i"/> the way the engine does: open the output, write, commit.</summary>
        public static string Write(MessageOutput output, int i)
        {
            using var target = output.Open();
            target.Stream.Write(new byte[1000 + i]);
            target.Commit();
            return output.Path!;
        }
    }
}
