namespace SmimeTools.Engine.Enrolment.Scep
{
    /// <summary>Why a CA refused a request: the failInfo values of RFC 8894 §3.2.1.4.</summary>
    public enum ScepFailInfo
    {
        /// <summary>Unrecognised or unsupported algorithm.</summary>
        BadAlg = 0,

        /// <summary>Integrity check (signature verification) failed.</summary>
        BadMessageCheck = 1,

        /// <summary>Transaction not permitted or supported (a wrong challenge password, a refused subject).</summary>
        BadRequest = 2,

        /// <summary>The signingTime was not close enough to the CA's time.</summary>
        BadTime = 3,

        /// <summary>No certificate could be identified matching the criteria.</summary>
        BadCertId = 4,

        /// <summary>A value RFC 8894 does not define.</summary>
        Unknown = 99,
    }
}
