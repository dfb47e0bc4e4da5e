using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using SmimeTools.Engine.Operations;

namespace SmimeTools.Commands
{
    /// <summary>Write-Progress for an encryption update: messages done, skipped and failed, bytes, rate and time left.</summary>
    internal sealed class UpdateProgress
    {
        private const string Activity = "Updating encryption";

        private readonly Cmdlet _cmdlet;
        private readonly long _total;
        private readonly int _count;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private static readonly TimeSpan ShowEvery = TimeSpan.FromMilliseconds(100);
        private long _bytes;
        private int _index;
        private TimeSpan _shown;

        public UpdateProgress(Cmdlet cmdlet, IReadOnlyCollection<ArchiveItem> items)
        {
            _cmdlet = cmdlet;
            _count = items.Count;
            _total = Math.Max(1, items.Sum(i => i.Length));
        }

        public void Show(ArchiveItem item, EncryptionUpdateSummary summary)
        {
            // A record every tenth of a second at most: thousands of small messages a second would otherwise spend more on
            // progress records than on their work, and no host shows them faster.
            var now = _clock.Elapsed;
            if (_index > 0 && now - _shown < ShowEvery && _index + 1 < _count)
            {
                _index++;
                _bytes += item.Length;
                return;
            }

            _shown = now;
            var seconds = Math.Max(now.TotalSeconds, 0.001);
            var rate = _bytes / seconds;
            var record = new ProgressRecord(1, Activity,
                $"{summary.Updated} updated, {summary.Skipped} skipped, {summary.Failed} failed; {_bytes / 1048576.0:0.0} of {_total / 1048576.0:0.0} MiB at {rate / 1048576.0:0.0} MiB/s")
            {
                CurrentOperation = $"{++_index} of {_count}: {item.Path}",
                PercentComplete = (int)Math.Min(100, 100 * _bytes / _total),
                SecondsRemaining = _bytes > 0 ? (int)((_total - _bytes) / Math.Max(rate, 1)) : -1,
            };
            _cmdlet.WriteProgress(record);
            _bytes += item.Length;
        }

        public void Complete() => _cmdlet.WriteProgress(new ProgressRecord(1, Activity, "Done") { RecordType = ProgressRecordType.Completed });
    }
}
