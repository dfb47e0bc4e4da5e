using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.Tokens;
using Xunit;

namespace SmimeTools.Tests.Tokens
{
    public sealed class Pkcs11UriTests
    {
        [Fact]
        public void PathAndQueryAttributesArePercentDecoded()
        {
            var uri = Pkcs11Uri.Parse("pkcs11:token=My%20Token;serial=abc123;id=%01%A2;object=Alice;type=cert?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234");
            Assert.Equal("My Token", uri.Token);
            Assert.Equal("abc123", uri.Serial);
            Assert.Equal(new byte[] { 0x01, 0xA2 }, uri.Id);
            Assert.Equal("Alice", uri.Object);
            Assert.Equal("cert", uri.Type);
            Assert.Equal("/usr/lib/softhsm/libsofthsm2.so", uri.LibraryPath(null));
            Assert.Equal("1234", uri.PinValue);
        }

        [Fact]
        public void TheLibraryComesFromTheUriOrTheFallback()
        {
            Assert.Equal("/x/lib.so", Pkcs11Uri.Parse("pkcs11:token=a").LibraryPath("/x/lib.so"));
            var error = Assert.Throws<SmimeException>(() => Pkcs11Uri.Parse("pkcs11:token=a").LibraryPath(null));
            Assert.Equal(ErrorIds.InvalidPkcs11Uri, error.ErrorId);
        }

        [Theory]
        [InlineData("token=a")]
        [InlineData("pkcs11:token")]
        [InlineData("pkcs11:colour=blue")]
        [InlineData("pkcs11:module-path=/x.so")]
        [InlineData("pkcs11:id=%0")]
        [InlineData("pkcs11:token=a;token=b")]
        [InlineData("pkcs11:type=door")]
        public void MalformedUrisAreInvalidPkcs11Uri(string text)
        {
            var error = Assert.Throws<SmimeException>(() => Pkcs11Uri.Parse(text));
            Assert.Equal(ErrorIds.InvalidPkcs11Uri, error.ErrorId);
        }

        [Fact]
        public void UrisWeWriteParseBack()
        {
            var token = new TokenInfo("/usr/lib/my lib.so", 1, "Alice; work", "0a1b", "Maker", "Model", true, false, false, false);
            var uri = Pkcs11Uri.Parse(Pkcs11Uri.ForObject(token, new byte[] { 0xFF, 0x00 }, "ключ", "cert"));
            Assert.Equal("Alice; work", uri.Token);
            Assert.Equal("0a1b", uri.Serial);
            Assert.Equal(new byte[] { 0xFF, 0x00 }, uri.Id);
            Assert.Equal("ключ", uri.Object);
            Assert.Equal("/usr/lib/my lib.so", uri.ModulePath);
            Assert.True(uri.Matches(token));
            Assert.Equal(Encoding.UTF8.GetBytes("x"), Pkcs11Uri.Parse("pkcs11:id=x").Id);
        }
    }
}
