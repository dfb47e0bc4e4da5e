using System.Management.Automation;
using SmimeTools.Engine.Certificates;

namespace SmimeTools.Commands
{
    /// <summary>Dresses a found certificate for the pipeline: where it came from, where its key is, and our table view.</summary>
    internal static class CertificateOutput
    {
        public const string TypeName = "SmimeTools.Certificate";

        public static PSObject Decorate(CertificateEntry entry)
        {
            var output = PSObject.AsPSObject(entry.Certificate);
            output.TypeNames.Insert(0, TypeName);
            output.Properties.Add(new PSNoteProperty("KeyLocation", entry.KeyLocation));
            output.Properties.Add(new PSNoteProperty("Source", entry.Source));
            return output;
        }
    }
}
