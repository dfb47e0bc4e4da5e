namespace SmimeTools.Engine.Enrolment
{
    /// <summary>Where one request of an enrolment stands.</summary>
    public enum EnrolmentStatus
    {
        /// <summary>The key exists and the request waits for its certificate.</summary>
        Pending,

        /// <summary>The certificate arrived but is not installed yet (installing failed; the reason says why).</summary>
        Issued,

        /// <summary>The certificate is installed beside its key.</summary>
        Installed,

        /// <summary>No request could be made; the reason says why.</summary>
        Failed,
    }
}
