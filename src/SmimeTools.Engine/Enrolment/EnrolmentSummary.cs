using System;
using System.Collections.Generic;
using System.Linq;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>Where a whole enrolment stands: who has a certificate, who waits for one, and who failed and why.</summary>
    public sealed class EnrolmentSummary
    {
        public EnrolmentSummary(EnrolmentState state)
        {
            ArgumentNullException.ThrowIfNull(state);
            StateFile = state.Path;
            Installed = state.Entries.Where(e => e.Status == EnrolmentStatus.Installed).ToList();
            Issued = state.Entries.Where(e => e.Status == EnrolmentStatus.Issued).ToList();
            Pending = state.Entries.Where(e => e.Status == EnrolmentStatus.Pending).ToList();
            Failed = state.Entries.Where(e => e.Status == EnrolmentStatus.Failed).ToList();
        }

        public string? StateFile { get; }

        /// <summary>Requests whose certificate is installed beside the key.</summary>
        public IReadOnlyList<EnrolmentEntry> Installed { get; }

        /// <summary>Requests whose certificate came but could not be installed yet; Reason says why.</summary>
        public IReadOnlyList<EnrolmentEntry> Issued { get; }

        /// <summary>Requests still waiting for their certificates.</summary>
        public IReadOnlyList<EnrolmentEntry> Pending { get; }

        /// <summary>Requests that could not be made; Reason says why.</summary>
        public IReadOnlyList<EnrolmentEntry> Failed { get; }

        public int InstalledCount => Installed.Count;

        public int IssuedCount => Issued.Count;

        public int PendingCount => Pending.Count;

        public int FailedCount => Failed.Count;

        public override string ToString() => $"{InstalledCount} installed, {IssuedCount} issued, {PendingCount} pending, {FailedCount} failed";
    }
}
