namespace SmimeTools.Engine.Enrolment.Scep
{
    /// <summary>The messageType values of RFC 8894 §3.2.1.2 this client sends and reads.</summary>
    internal enum ScepMessageType
    {
        CertRep = 3,
        RenewalReq = 17,
        PkcsReq = 19,
        CertPoll = 20,
    }
}
