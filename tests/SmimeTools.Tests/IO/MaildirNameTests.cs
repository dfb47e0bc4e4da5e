using System;
using System.IO;
using System.Linq;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.IO;
using Xunit;

namespace SmimeTools.Tests.IO
{
    /// <summary>Maildir names are read as Dovecot, Courier and qmail write them, and only their sizes change on a rewrite.</summary>
    public sealed class MaildirNameTests
    {
        [Fact]
        public void ADovecotNameHasItsSizesAndFlags()
        {
            var name = MaildirName.Parse("1680000000.M123P456.host,S=1234,W=1260:2,RS");

            Assert.Equal("1680000000.M123P456.host", name.Base);
            Assert.Equal("1680000000.M123P456.host,S=1234,W=1260", name.Unique);
            Assert.Equal(1234, name.Size);
            Assert.Equal(1260, name.VirtualSize);
            Assert.Equal(':', name.InfoSeparator);
            Assert.Equal("2,RS", name.Info);
            Assert.Equal("RS", name.Flags);
        }

        [Fact]
        public void ACourierNameHasOnlyItsSize()
        {
            var name = MaildirName.Parse("1680000000.M123456P7890V0000000000000803I00000000000A1B2C_0.mail.example.com,S=5120:2,S");

            Assert.Equal(5120, name.Size);
            Assert.Null(name.VirtualSize);
            Assert.Equal("S", name.Flags);
            Assert.Equal("1680000000.M123456P7890V0000000000000803I00000000000A1B2C_0.mail.example.com,S=6000:2,S", name.WithSizes(6000, 6100).ToString());
        }

        [Fact]
        public void APlainQmailNameInNewHasNoInfoAndKeepsNone()
        {
            var name = MaildirName.Parse("1680000000.123.host");

            Assert.Equal("1680000000.123.host", name.Base);
            Assert.Empty(name.Fields);
            Assert.Null(name.InfoSeparator);
            Assert.Null(name.Info);
            Assert.Null(name.Flags);
            Assert.Null(name.Size);
            Assert.Equal("1680000000.123.host", name.WithSizes(10, 12).ToString());
        }

        [Fact]
        public void ANameWithoutSizeFieldsStaysTheSameName()
        {
            const string original = "1680000000.M1P2.host:2,FS";

            Assert.Equal(original, MaildirName.Parse(original).WithSizes(999, 1030).ToString());
        }

        [Theory]
        [InlineData("1680000000.M1P2.host,S=12,W=14!2,S", '!')]
        [InlineData("1680000000.M1P2.host,S=12,W=14;2,S", ';')]
        public void TheWindowsSeparatorIsReadAndKept(string fileName, char separator)
        {
            var name = MaildirName.Parse(fileName);

            Assert.Equal(separator, name.InfoSeparator);
            Assert.Equal("S", name.Flags);
            Assert.Equal(12, name.Size);
            Assert.Equal($"1680000000.M1P2.host,S=20,W=23{separator}2,S", name.WithSizes(20, 23).ToString());
        }

        [Fact]
        public void AnExclamationMarkWithoutInfoAfterItIsPartOfTheUniquePart()
        {
            var name = MaildirName.Parse("1680000000.M1P2.odd!host");

            Assert.Null(name.InfoSeparator);
            Assert.Equal("1680000000.M1P2.odd!host", name.Base);
        }

        [Fact]
        public void UnknownFieldsAreKeptInTheirPlace()
        {
            var name = MaildirName.Parse("1680000000.M1P2.host,S=100,G=abc,W=104,X=1:2,");

            Assert.Equal(new[] { "S", "G", "W", "X" }, name.Fields.Select(f => f.Key));
            Assert.Equal("", name.Flags);
            Assert.Equal("1680000000.M1P2.host,S=200,G=abc,W=210,X=1:2,", name.WithSizes(200, 210).ToString());
        }

        [Fact]
        public void AUniquePartWithAPieceThatIsNotAFieldIsKeptWhole()
        {
            var name = MaildirName.Parse("1680000000.M1P2.host,odd,S=100:2,S");

            Assert.Empty(name.Fields);
            Assert.Null(name.Size);
            Assert.Equal("1680000000.M1P2.host,odd,S=100:2,S", name.WithSizes(5, 6).ToString());
        }

        [Theory]
        [InlineData("1680000000.M123P456.host,S=1234,W=1260:2,RS")]
        [InlineData("1680000000.123.host")]
        [InlineData("1680000000.M1P2.host,S=12!2,DFRST")]
        [InlineData("1680000000.M1P2.host:1,experimental")]
        [InlineData("1680000000.M1P2.host,S=1:2,S:odd")]
        public void ParsingAndWritingGiveTheSameName(string fileName)
        {
            var name = MaildirName.Parse(fileName);

            Assert.Equal(fileName, name.ToString());
            Assert.Equal(fileName, MaildirName.Parse(name.ToString()).ToString());
            Assert.Equal(fileName, name.WithSizes(name.Size ?? 0, name.VirtualSize ?? name.Size ?? 0).ToString());
        }

        [Theory]
        [InlineData("")]
        [InlineData("cur/1680000000.123.host")]
        [InlineData(":2,S")]
        public void WhatIsNotAFileNameIsRefused(string fileName)
        {
            var e = Assert.Throws<SmimeException>(() => MaildirName.Parse(fileName));
            Assert.Equal(ErrorIds.InvalidMaildirName, e.ErrorId);
        }

        [Fact]
        public void AFileWithLfLineEndsCountsEachAsTwo()
        {
            var (size, virtualSize) = MaildirName.Measure(new MemoryStream(Encoding.ASCII.GetBytes("Subject: a\n\nbody\n")));

            Assert.Equal(17, size);
            Assert.Equal(20, virtualSize);
        }

        [Fact]
        public void AFileWithCrlfLineEndsHasTheSameVirtualSize()
        {
            var (size, virtualSize) = MaildirName.Measure(new MemoryStream(Encoding.ASCII.GetBytes("Subject: a\r\n\r\nbody\r\n")));

            Assert.Equal(20, size);
            Assert.Equal(20, virtualSize);
        }

        [Fact]
        public void ACrlfSplitAcrossReadsIsStillOneLineEnd()
        {
            // 65535 bytes, then CR as the last byte of the first 64 KiB read and LF as the first of the next.
            var bytes = Enumerable.Repeat((byte)'a', (1 << 16) - 1).Concat(Encoding.ASCII.GetBytes("\r\nz\nq\r")).ToArray();

            var (size, virtualSize) = MaildirName.Measure(new MemoryStream(bytes));

            Assert.Equal(bytes.Length, size);
            Assert.Equal(bytes.Length + 1, virtualSize);
        }

        [Fact]
        public void AFileOnDiskIsMeasuredLikeItsStream()
        {
            var path = Path.Combine(Path.GetTempPath(), "maildir-" + Guid.NewGuid().ToString("N"));
            try
            {
                File.WriteAllBytes(path, Encoding.ASCII.GetBytes("From: a\nTo: b\r\n\nx"));

                Assert.Equal((17L, 19L), MaildirName.Measure(path));
            }
            finally
            {
                File.Delete(path);
            }
        }
    }
}
