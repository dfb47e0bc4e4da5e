using System;
using System.Formats.Asn1;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using SmimeTools.Engine;
using SmimeTools.Engine.Ldap;
using Xunit;

namespace SmimeTools.Tests.Ldap
{
    /// <summary>A hostile LDAP server on loopback: what it sends may not choose how much the client reads.</summary>
    public sealed class LdapLimitTests
    {
        private static readonly Asn1Tag SearchEntryTag = new(TagClass.Application, 4, true);

        /// <summary>Accepts one connection, reads the search request and answers with what <paramref name="answer"/> writes.</summary>
        private static (LdapUrl Url, Task Server) Serve(Func<int, NetworkStream, Task> answer)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var url = LdapUrl.Parse($"ldap://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/dc=example,dc=com");
            var server = Task.Run(async () =>
            {
                try
                {
                    using var client = await listener.AcceptTcpClientAsync();
                    var stream = client.GetStream();
                    var request = await ReadMessage(stream);
                    var id = (int)new AsnReader(request, AsnEncodingRules.BER).ReadSequence().ReadInteger();
                    await answer(id, stream);
                }
                catch (Exception e) when (e is System.IO.IOException or SocketException or ObjectDisposedException)
                {
                    // The client hung up once it had read enough: that is what is tested.
                }
                finally
                {
                    listener.Stop();
                }
            });
            return (url, server);
        }

        private static async Task<byte[]> ReadMessage(NetworkStream stream)
        {
            var header = new byte[2];
            await stream.ReadExactlyAsync(header);
            int length = header[1];
            byte[] lengthBytes = Array.Empty<byte>();
            if ((length & 0x80) != 0)
            {
                lengthBytes = new byte[length & 0x7F];
                await stream.ReadExactlyAsync(lengthBytes);
                length = 0;
                foreach (var b in lengthBytes)
                {
                    length = (length << 8) | b;
                }
            }

            var message = new byte[2 + lengthBytes.Length + length];
            header.CopyTo(message, 0);
            lengthBytes.CopyTo(message, 2);
            await stream.ReadExactlyAsync(message.AsMemory(2 + lengthBytes.Length));
            return message;
        }

        private static byte[] Entry(int id, int number, int valueSize)
        {
            var writer = new AsnWriter(AsnEncodingRules.BER);
            using (writer.PushSequence())
            {
                writer.WriteInteger(id);
                using (writer.PushSequence(SearchEntryTag))
                {
                    writer.WriteOctetString(System.Text.Encoding.UTF8.GetBytes($"cn=entry{number},dc=example,dc=com"));
                    using (writer.PushSequence())
                    using (writer.PushSequence())
                    {
                        writer.WriteOctetString("description"u8);
                        using (writer.PushSetOf())
                        {
                            writer.WriteOctetString(new byte[valueSize]);
                        }
                    }
                }
            }

            return writer.Encode();
        }

        [Fact]
        public async Task AReplyAnnouncedLargerThanTheLimitIsRefusedBeforeItIsRead()
        {
            // A header announcing 256 MiB, and nothing after it: the client must not wait for it or allocate it.
            var (url, server) = Serve((_, stream) => stream.WriteAsync(new byte[] { 0x30, 0x84, 0x10, 0x00, 0x00, 0x00 }).AsTask());
            using (var connection = LdapConnection.Open(url, new LdapConnectionOptions { Timeout = TimeSpan.FromSeconds(10) }))
            {
                var e = Assert.Throws<SmimeException>(() => connection.Search("dc=example,dc=com", LdapScope.Subtree, LdapFilter.Any, new[] { "description" }));
                Assert.Equal(ErrorIds.DirectoryReplyTooLarge, e.ErrorId);
                Assert.Contains("268435456", e.Message, StringComparison.Ordinal);
                Assert.Contains("-" + nameof(InputLimits.MaximumDirectoryReplySize), e.RecommendedAction, StringComparison.Ordinal);
            }

            await server;
        }

        [Fact]
        public async Task ASearchWhoseRepliesTogetherPassTheLimitStops()
        {
            // Each entry fits the per-reply limit; a thousand of them do not fit the result limit.
            var (url, server) = Serve(async (id, stream) =>
            {
                for (int i = 0; i < 1000; i++)
                {
                    await stream.WriteAsync(Entry(id, i, 10_000));
                }
            });
            var options = new LdapConnectionOptions
            {
                Timeout = TimeSpan.FromSeconds(10),
                SizeLimit = 10_000,
                Limits = new InputLimits { MaximumDirectoryReplySize = 20_000, MaximumDirectoryResultSize = 100_000 },
            };
            using (var connection = LdapConnection.Open(url, options))
            {
                var e = Assert.Throws<SmimeException>(() => connection.Search("dc=example,dc=com", LdapScope.Subtree, LdapFilter.Any, new[] { "description" }));
                Assert.Equal(ErrorIds.DirectoryResultTooLarge, e.ErrorId);
                Assert.Contains(nameof(InputLimits.MaximumDirectoryResultSize), e.Message, StringComparison.Ordinal);
            }

            await server;
        }
    }
}
