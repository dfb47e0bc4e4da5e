using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests
{
    /// <summary>Engine test classes in this collection share one test PKI, made once (key generation is the slow part).</summary>
    [CollectionDefinition(Name)]
    public sealed class SharedPkiCollection : ICollectionFixture<TestPkiFixture>
    {
        public const string Name = "Shared test PKI";
    }
}
