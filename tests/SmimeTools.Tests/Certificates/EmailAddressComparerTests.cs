using SmimeTools.Engine.Certificates;
using Xunit;

namespace SmimeTools.Tests.Certificates
{
    public sealed class EmailAddressComparerTests
    {
        [Theory]
        [InlineData("bob@example.com", "Bob@Example.COM")]
        [InlineData("Upper.Case@Example.COM", "upper.case@example.com")]
        [InlineData("jürgen@bücher.example", "jürgen@xn--bcher-kva.example")]
        [InlineData("JÜRGEN@BÜCHER.EXAMPLE", "jürgen@xn--bcher-kva.example")]
        [InlineData("juergen@xn--bcher-kva.example", "juergen@bücher.example")]
        [InlineData(" <bob@example.com> ", "bob@example.com")]
        [InlineData("mailto:bob@example.com", "bob@example.com")]
        [InlineData("bob@example.com.", "bob@example.com")]
        public void SameMailbox(string a, string b)
        {
            Assert.True(EmailAddressComparer.Instance.Equals(a, b));
            Assert.Equal(EmailAddressComparer.Instance.GetHashCode(a), EmailAddressComparer.Instance.GetHashCode(b));
        }

        [Theory]
        [InlineData("bob@example.com", "bob@example.org")]
        [InlineData("bob@example.com", "bobby@example.com")]
        [InlineData("jürgen@bücher.example", "jurgen@bucher.example")]
        [InlineData("bob@example.com", "example.com")]
        public void DifferentMailbox(string a, string b) => Assert.False(EmailAddressComparer.Instance.Equals(a, b));

        [Fact]
        public void NormalizesToLowerCaseAscii()
        {
            Assert.Equal("jürgen@xn--bcher-kva.example", EmailAddressComparer.Normalize("Jürgen@Bücher.Example"));
            Assert.Equal("bücher.example", EmailAddressComparer.UnicodeDomain("x@xn--bcher-kva.example"));
            Assert.Equal("not an address", EmailAddressComparer.Normalize("  Not An Address "));
            Assert.Equal("a@[192.0.2.1]", EmailAddressComparer.Normalize("A@[192.0.2.1]"));
        }
    }
}
