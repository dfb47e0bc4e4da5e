using System;
using System.Collections.Generic;
using System.Formats.Asn1;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;

namespace SmimeTools.Engine.Ldap
{
    /// <summary>
    /// A small LDAP v3 client (RFC 4511) over a socket: ldaps:// or StartTLS through <see cref="SslStream"/>, anonymous or
    /// simple bind, paged search and modify. It is managed code only, so it behaves the same on every OS and needs no
    /// native LDAP library, and every step has a deadline: connecting, the TLS handshake and each request are bounded by
    /// <see cref="LdapConnectionOptions.Timeout"/>, and cancellation closes the socket. Every failure is a
    /// <see cref="SmimeException"/> naming the directory.
    /// </summary>
    public sealed class LdapConnection : IDisposable
    {
        private const string StartTlsOid = "1.3.6.1.4.1.1466.20037";
        private const string PagedResultsOid = "1.2.840.113556.1.4.319";


        private static readonly Asn1Tag BindRequestTag = new(TagClass.Application, 0, true);
        private static readonly Asn1Tag BindResponseTag = new(TagClass.Application, 1, true);
        private static readonly Asn1Tag UnbindRequestTag = new(TagClass.Application, 2, false);
        private static readonly Asn1Tag SearchRequestTag = new(TagClass.Application, 3, true);
        private static readonly Asn1Tag SearchEntryTag = new(TagClass.Application, 4, true);
        private static readonly Asn1Tag SearchDoneTag = new(TagClass.Application, 5, true);
        private static readonly Asn1Tag ModifyRequestTag = new(TagClass.Application, 6, true);
        private static readonly Asn1Tag ModifyResponseTag = new(TagClass.Application, 7, true);
        private static readonly Asn1Tag SearchReferenceTag = new(TagClass.Application, 19, true);
        private static readonly Asn1Tag ExtendedRequestTag = new(TagClass.Application, 23, true);
        private static readonly Asn1Tag ExtendedResponseTag = new(TagClass.Application, 24, true);
        private static readonly Asn1Tag ControlsTag = new(TagClass.ContextSpecific, 0, true);

        private readonly Socket _socket;
        private readonly LdapConnectionOptions _options;

        // Every byte of LDAP messages read on this connection, so a search can bound the whole of its result.
        private long _bytesReceived;
        private Stream _stream;
        private int _nextId = 1;
        private bool _disposed;

        private LdapConnection(LdapUrl url, LdapConnectionOptions options, Socket socket)
        {
            Url = url;
            _options = options;
            _socket = socket;
            _stream = new NetworkStream(socket, ownsSocket: true);
        }

        public LdapUrl Url { get; }

        /// <summary>The protection in use once connected.</summary>
        public LdapSecurity Security { get; private set; }

        /// <summary>The DN bound as, or null for anonymous.</summary>
        public string? BoundAs { get; private set; }

        /// <summary>Connects, protects the connection as asked and binds; throws <see cref="SmimeException"/> naming the step that failed.</summary>
        public static LdapConnection Open(LdapUrl url, LdapConnectionOptions options, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(url);
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            var security = options.SecurityFor(url);
            if (options.Credential != null && security == LdapSecurity.None)
            {
                throw new SmimeException(ErrorIds.DirectoryBindNotEncrypted, SmimeErrorKind.SecurityError,
                    $"Refusing to send the password for '{options.Credential.UserName}' to {url.Display}: the connection is not encrypted.",
                    "Use an ldaps:// URI or StartTLS (-StartTls), or leave out -Credential to search anonymously.", url.Display);
            }

            var socket = Connect(url, options.Timeout, cancellationToken);
            var connection = new LdapConnection(url, options, socket);
            try
            {
                if (security == LdapSecurity.StartTls)
                {
                    connection.StartTls(cancellationToken);
                }
                else if (security == LdapSecurity.Tls)
                {
                    connection.Handshake(cancellationToken);
                }

                connection.Security = security;
                if (options.Credential != null)
                {
                    connection.Bind(cancellationToken);
                }

                return connection;
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        /// <summary>Searches below <paramref name="baseDn"/>, page by page, until the entries run out or the size limit is reached.</summary>
        public LdapSearchResult Search(string baseDn, LdapScope scope, LdapFilter filter, IReadOnlyList<string> attributes, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(baseDn);
            ArgumentNullException.ThrowIfNull(filter);
            ArgumentNullException.ThrowIfNull(attributes);
            var entries = new List<LdapEntry>();
            byte[] cookie = Array.Empty<byte>();
            long resultStart = _bytesReceived;
            while (true)
            {
                int remaining = _options.SizeLimit - entries.Count;
                int id = Send(writer =>
                {
                    writer.PushSequence(SearchRequestTag);
                    writer.WriteOctetString(Encoding.UTF8.GetBytes(baseDn));
                    writer.WriteEnumeratedValue(scope);
                    writer.WriteInteger(0); // neverDerefAliases
                    writer.WriteInteger(remaining);
                    writer.WriteInteger(_options.TimeLimitSeconds);
                    writer.WriteBoolean(false);
                    filter.Write(writer);
                    writer.PushSequence();
                    foreach (var attribute in attributes)
                    {
                        writer.WriteOctetString(Encoding.UTF8.GetBytes(attribute));
                    }

                    writer.PopSequence();
                    writer.PopSequence(SearchRequestTag);
                }, writer => WritePagedControl(writer, Math.Min(_options.PageSize, remaining), cookie), cancellationToken);

                LdapResult? done = null;
                while (done == null)
                {
                    var message = Receive(id, cancellationToken);
                    if (_bytesReceived - resultStart > _options.Limits.MaximumDirectoryResultSize)
                    {
                        throw InputLimits.Exceeded(ErrorIds.DirectoryResultTooLarge, $"The search of the directory {Url.Display}",
                            $"its answers came to more than {_options.Limits.MaximumDirectoryResultSize} bytes ({entries.Count} entries so far)",
                            nameof(InputLimits.MaximumDirectoryResultSize), _options.Limits.MaximumDirectoryResultSize, Url.Display);
                    }

                    var tag = Decode(() => message.Operation.PeekTag(), "an answer");
                    if (tag.HasSameClassAndValue(SearchEntryTag))
                    {
                        entries.Add(Decode(() => ReadEntry(message.Operation), "a search entry"));
                    }
                    else if (tag.HasSameClassAndValue(SearchReferenceTag))
                    {
                        // Referrals to other servers are not followed: the directory asked for is the one searched.
                        Decode(() => message.Operation.ReadEncodedValue(), "a search reference");
                    }
                    else if (tag.HasSameClassAndValue(SearchDoneTag))
                    {
                        done = ReadResult(message.Operation, SearchDoneTag);
                        cookie = Decode(() => ReadPagedCookie(message.Controls), "a paged-results control");
                    }
                    else
                    {
                        throw ProtocolError($"an unexpected answer (tag {tag}) to a search");
                    }
                }

                switch (done.Code)
                {
                    case 0 when cookie.Length > 0 && entries.Count < _options.SizeLimit:
                        continue;
                    case 0 when cookie.Length > 0:
                        AbandonPaging(baseDn, scope, filter, cookie, cancellationToken);
                        return new LdapSearchResult(entries, $"the size limit of {_options.SizeLimit} entries was reached");
                    case 0:
                        return new LdapSearchResult(entries, null);
                    case 4:
                        return new LdapSearchResult(entries, $"the size limit of {_options.SizeLimit} entries was reached");
                    case 3:
                        return new LdapSearchResult(entries, $"the server's time limit{(_options.TimeLimitSeconds > 0 ? $" of {_options.TimeLimitSeconds} s" : string.Empty)} was reached");
                    case 32:
                        throw new SmimeException(ErrorIds.DirectoryOperationFailed, SmimeErrorKind.ObjectNotFound,
                            $"The directory {Url.Display} has no entry '{baseDn}' to search below ({done.Describe()}).",
                            "Check the base DN in the directory URI (the part after the host and port).", Url.Display);
                    default:
                        throw OperationFailed("search", done);
                }
            }
        }

        /// <summary>
        /// Changes attributes of the entry <paramref name="dn"/>. Returns the result code when it is 0 (done) or 20
        /// (attributeOrValueExists: an added value was there already); throws for every other code.
        /// </summary>
        public int Modify(string dn, IReadOnlyList<(LdapModification Operation, string Attribute, IReadOnlyList<byte[]> Values)> changes, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(dn);
            ArgumentNullException.ThrowIfNull(changes);
            int id = Send(writer =>
            {
                writer.PushSequence(ModifyRequestTag);
                writer.WriteOctetString(Encoding.UTF8.GetBytes(dn));
                writer.PushSequence();
                foreach (var change in changes)
                {
                    writer.PushSequence();
                    writer.WriteEnumeratedValue(change.Operation);
                    writer.PushSequence();
                    writer.WriteOctetString(Encoding.UTF8.GetBytes(change.Attribute));
                    writer.PushSetOf();
                    foreach (var value in change.Values)
                    {
                        writer.WriteOctetString(value);
                    }

                    writer.PopSetOf();
                    writer.PopSequence();
                    writer.PopSequence();
                }

                writer.PopSequence();
                writer.PopSequence(ModifyRequestTag);
            }, null, cancellationToken);
            var message = Receive(id, cancellationToken);
            var result = ReadResult(message.Operation, ModifyResponseTag);
            if (result.Code is 0 or 20)
            {
                return result.Code;
            }

            throw OperationFailed($"change of '{dn}'", result);
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                // A polite goodbye, given a second at most; the server closes its side when it reads it.
                var writer = new AsnWriter(AsnEncodingRules.DER);
                writer.PushSequence();
                writer.WriteInteger(_nextId++);
                writer.WriteNull(UnbindRequestTag);
                writer.PopSequence();
                _socket.SendTimeout = 1000;
                _stream.Write(writer.Encode());
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // The connection is going anyway.
            }

            _stream.Dispose();
            _socket.Dispose();
        }

        private static Socket Connect(LdapUrl url, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.ConnectAsync(url.Host, url.Port, deadline.Token).AsTask().GetAwaiter().GetResult();
                return socket;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new SmimeException(ErrorIds.DirectoryTimeout, SmimeErrorKind.ResourceUnavailable,
                    $"The directory {url.Display} did not accept a connection within {Seconds(timeout)}.",
                    "Check the host name, the port and any firewall between you and the server; a longer -TimeoutSec helps only a slow network.", url.Display);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw new SmimeException(ErrorIds.DirectoryUnavailable, SmimeErrorKind.ResourceUnavailable,
                    $"Cannot reach the directory {url.Display}: {e.Message}",
                    "Check the host name and port in the URI and that the server is running.", url.Display, e);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        private void StartTls(CancellationToken cancellationToken)
        {
            int id = Send(writer =>
            {
                writer.PushSequence(ExtendedRequestTag);
                writer.WriteOctetString(Encoding.ASCII.GetBytes(StartTlsOid), new Asn1Tag(TagClass.ContextSpecific, 0));
                writer.PopSequence(ExtendedRequestTag);
            }, null, cancellationToken);
            var result = ReadResult(Receive(id, cancellationToken).Operation, ExtendedResponseTag);
            if (result.Code != 0)
            {
                throw new SmimeException(ErrorIds.DirectoryTlsFailed, SmimeErrorKind.SecurityError,
                    $"The directory {Url.Display} refused StartTLS ({result.Describe()}).",
                    "Ask the directory's administrator whether it offers TLS, or use its ldaps:// address.", Url.Display);
            }

            Handshake(cancellationToken);
        }

        private void Handshake(CancellationToken cancellationToken)
        {
            string? rejection = null;
            var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, (_, certificate, chain, errors) =>
            {
                rejection = CheckServerCertificate(certificate as X509Certificate2 ?? (certificate == null ? null : new X509Certificate2(certificate)), chain, errors);
                return rejection == null;
            });
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_options.Timeout);
            try
            {
                var options = new SslClientAuthenticationOptions
                {
                    TargetHost = Url.Host,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                };
                ssl.AuthenticateAsClientAsync(options, deadline.Token).GetAwaiter().GetResult();
                _stream = ssl;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                ssl.Dispose();
                throw new SmimeException(ErrorIds.DirectoryTimeout, SmimeErrorKind.ResourceUnavailable,
                    $"The TLS handshake with {Url.Display} did not finish within {Seconds(_options.Timeout)}.",
                    "Check that the port speaks TLS: ldaps:// is usually port 636, StartTLS goes to the plain port (389).", Url.Display);
            }
            catch (Exception e) when (e is AuthenticationException or IOException)
            {
                ssl.Dispose();
                var why = rejection ?? $"the handshake failed: {Innermost(e).Message}";
                throw new SmimeException(ErrorIds.DirectoryTlsFailed, SmimeErrorKind.SecurityError,
                    $"No secure connection to {Url.Display}: {why}",
                    rejection != null
                        ? "If the server's certificate comes from your own CA, give that CA's certificate to -TrustedRoot; check that the URI names the host the certificate is for."
                        : "Check that the port speaks TLS: ldaps:// is usually port 636, StartTLS goes to the plain port (389).",
                    Url.Display, e);
            }
        }

        /// <summary>Null when the server's certificate is acceptable, else why not.</summary>
        private string? CheckServerCertificate(X509Certificate2? certificate, X509Chain? presented, SslPolicyErrors errors)
        {
            if (errors == SslPolicyErrors.None)
            {
                return null;
            }

            if (certificate == null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            {
                return "the server sent no certificate.";
            }

            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                return $"its certificate ({certificate.Subject}) is not for '{Url.Host}'.";
            }

            if (_options.TrustedRoots.Count == 0)
            {
                return $"its certificate ({certificate.Subject}, issued by {certificate.Issuer}) does not chain to a root this system trusts"
                    + $"{ChainStatus(presented)}.";
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.CustomTrustStore.AddRange(_options.TrustedRoots.ToArray());
            chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
            foreach (var element in presented?.ChainElements.Cast<X509ChainElement>() ?? Enumerable.Empty<X509ChainElement>())
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }

            return chain.Build(certificate)
                ? null
                : $"its certificate ({certificate.Subject}, issued by {certificate.Issuer}) chains neither to a root this system trusts nor to the {_options.TrustedRoots.Count} given"
                    + $"{ChainStatus(chain)}.";
        }

        private static string ChainStatus(X509Chain? chain)
        {
            var status = chain?.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToList();
            return status == null || status.Count == 0 ? string.Empty : " (" + string.Join("; ", status) + ")";
        }

        private void Bind(CancellationToken cancellationToken)
        {
            var credential = _options.Credential!;
            var password = Encoding.UTF8.GetBytes(credential.Password ?? string.Empty);
            try
            {
                if (password.Length == 0)
                {
                    // RFC 4513 5.1.2: a name with an empty password is an "unauthenticated" bind that many servers accept as anonymous.
                    throw new SmimeException(ErrorIds.DirectoryBindFailed, SmimeErrorKind.AuthenticationError,
                        $"The password for '{credential.UserName}' is empty; {Url.Display} would treat the bind as anonymous.",
                        "Give the password with -Credential, or leave out -Credential to search anonymously.", Url.Display);
                }

                int id = Send(writer =>
                {
                    writer.PushSequence(BindRequestTag);
                    writer.WriteInteger(3);
                    writer.WriteOctetString(Encoding.UTF8.GetBytes(credential.UserName ?? string.Empty));
                    writer.WriteOctetString(password, new Asn1Tag(TagClass.ContextSpecific, 0));
                    writer.PopSequence(BindRequestTag);
                }, null, cancellationToken);
                var result = ReadResult(Receive(id, cancellationToken).Operation, BindResponseTag);
                if (result.Code != 0)
                {
                    throw new SmimeException(ErrorIds.DirectoryBindFailed, SmimeErrorKind.AuthenticationError,
                        $"The directory {Url.Display} did not accept the credentials of '{credential.UserName}' ({result.Describe()}).",
                        result.Code == 49
                            ? "Check the user name (usually a full DN such as cn=admin,dc=example,dc=com) and the password."
                            : "Ask the directory's administrator how to bind; the server's answer is above.",
                        Url.Display);
                }

                BoundAs = credential.UserName;
            }
            finally
            {
                Array.Clear(password);
            }
        }

        private void AbandonPaging(string baseDn, LdapScope scope, LdapFilter filter, byte[] cookie, CancellationToken cancellationToken)
        {
            // RFC 2696: a page size of 0 with the cookie tells the server to drop the rest of the result set.
            try
            {
                int id = Send(writer =>
                {
                    writer.PushSequence(SearchRequestTag);
                    writer.WriteOctetString(Encoding.UTF8.GetBytes(baseDn));
                    writer.WriteEnumeratedValue(scope);
                    writer.WriteInteger(0);
                    writer.WriteInteger(1);
                    writer.WriteInteger(_options.TimeLimitSeconds);
                    writer.WriteBoolean(true);
                    filter.Write(writer);
                    writer.PushSequence();
                    writer.WriteOctetString(Encoding.ASCII.GetBytes("1.1"));
                    writer.PopSequence();
                    writer.PopSequence(SearchRequestTag);
                }, writer => WritePagedControl(writer, 0, cookie), cancellationToken);
                while (!Receive(id, cancellationToken).Operation.PeekTag().HasSameClassAndValue(SearchDoneTag))
                {
                }
            }
            catch (SmimeException)
            {
                // Nothing depends on it; the next search on this connection is fresh anyway.
            }
        }

        private static void WritePagedControl(AsnWriter writer, int size, byte[] cookie)
        {
            var value = new AsnWriter(AsnEncodingRules.DER);
            value.PushSequence();
            value.WriteInteger(size);
            value.WriteOctetString(cookie);
            value.PopSequence();
            writer.PushSequence();
            writer.WriteOctetString(Encoding.ASCII.GetBytes(PagedResultsOid));
            writer.WriteOctetString(value.Encode());
            writer.PopSequence();
        }

        private static byte[] ReadPagedCookie(AsnReader? controls)
        {
            if (controls == null)
            {
                return Array.Empty<byte>();
            }

            while (controls.HasData)
            {
                var control = controls.ReadSequence();
                var type = Encoding.ASCII.GetString(control.ReadOctetString());
                if (control.HasData && control.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
                {
                    control.ReadBoolean();
                }

                if (type != PagedResultsOid || !control.HasData)
                {
                    continue;
                }

                var value = new AsnReader(control.ReadOctetString(), AsnEncodingRules.BER).ReadSequence();
                value.ReadInteger();
                return value.ReadOctetString();
            }

            return Array.Empty<byte>();
        }

        private static LdapEntry ReadEntry(AsnReader operation)
        {
            var entry = operation.ReadSequence(SearchEntryTag);
            var dn = Encoding.UTF8.GetString(entry.ReadOctetString());
            var attributes = new Dictionary<string, IReadOnlyList<byte[]>>(StringComparer.OrdinalIgnoreCase);
            var list = entry.ReadSequence();
            while (list.HasData)
            {
                var attribute = list.ReadSequence();
                var type = Encoding.UTF8.GetString(attribute.ReadOctetString());
                var values = new List<byte[]>();
                var set = attribute.ReadSetOf(skipSortOrderValidation: true);
                while (set.HasData)
                {
                    values.Add(set.ReadOctetString());
                }

                attributes[type] = attributes.TryGetValue(type, out var known) ? known.Concat(values).ToList() : values;
            }

            return new LdapEntry(dn, attributes);
        }

        private LdapResult ReadResult(AsnReader operation, Asn1Tag expected) => Decode(() => ReadResultOf(operation, expected), "a result");

        private LdapResult ReadResultOf(AsnReader operation, Asn1Tag expected)
        {
            if (!operation.PeekTag().HasSameClassAndValue(expected))
            {
                throw ProtocolError($"an unexpected answer (tag {operation.PeekTag()})");
            }

            var result = operation.ReadSequence(expected);
            int code = 0;
            foreach (byte b in result.ReadEnumeratedBytes().Span)
            {
                code = (code << 8) | b;
            }

            result.ReadOctetString(); // matchedDN
            var diagnostic = Encoding.UTF8.GetString(result.ReadOctetString());
            return new LdapResult(code, diagnostic);
        }

        private int Send(Action<AsnWriter> operation, Action<AsnWriter>? control, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int id = _nextId++;
            var writer = new AsnWriter(AsnEncodingRules.DER);
            writer.PushSequence();
            writer.WriteInteger(id);
            operation(writer);
            if (control != null)
            {
                writer.PushSequence(ControlsTag);
                control(writer);
                writer.PopSequence(ControlsTag);
            }

            writer.PopSequence();
            var bytes = writer.Encode();
            Io(() =>
            {
                _socket.SendTimeout = Milliseconds(_options.Timeout);
                _stream.Write(bytes);
                _stream.Flush();
                return 0;
            }, cancellationToken);
            return id;
        }

        private Message Receive(int id, CancellationToken cancellationToken)
        {
            while (true)
            {
                var bytes = Io(ReadMessage, cancellationToken);
                Message message;
                try
                {
                    var envelope = new AsnReader(bytes, AsnEncodingRules.BER).ReadSequence();
                    var messageId = (int)envelope.ReadInteger();
                    var operation = new AsnReader(envelope.ReadEncodedValue(), AsnEncodingRules.BER);
                    AsnReader? controls = envelope.HasData && envelope.PeekTag().HasSameClassAndValue(ControlsTag) ? envelope.ReadSequence(ControlsTag) : null;
                    message = new Message(messageId, operation, controls);
                }
                catch (Exception e) when (e is AsnContentException or OverflowException)
                {
                    throw ProtocolError("a message that is not valid LDAP", e);
                }

                if (message.Id == 0)
                {
                    // Notice of disconnection (RFC 4511 4.4.1): the server is closing the connection.
                    var notice = ReadResult(message.Operation, ExtendedResponseTag);
                    throw new SmimeException(ErrorIds.DirectoryUnavailable, SmimeErrorKind.ResourceUnavailable,
                        $"The directory {Url.Display} closed the connection ({notice.Describe()}).",
                        "Try again later; if it keeps happening, ask the directory's administrator.", Url.Display);
                }

                if (message.Id == id)
                {
                    return message;
                }
            }
        }

        private T Io<T>(Func<T> work, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var registration = cancellationToken.Register(() => _socket.Dispose());
            try
            {
                return work();
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                if (Innermost(e) is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock })
                {
                    throw new SmimeException(ErrorIds.DirectoryTimeout, SmimeErrorKind.ResourceUnavailable,
                        $"The directory {Url.Display} did not answer within {Seconds(_options.Timeout)}.",
                        "Try again later, or give a longer -TimeoutSec if the directory is known to be slow.", Url.Display, e);
                }

                throw new SmimeException(ErrorIds.DirectoryUnavailable, SmimeErrorKind.ResourceUnavailable,
                    $"The connection to the directory {Url.Display} broke: {Innermost(e).Message}",
                    "Check that the server is running; if it speaks only TLS, use its ldaps:// address.", Url.Display, e);
            }
        }

        /// <summary>Reads one BER element (the LDAPMessage SEQUENCE) from the stream, with a definite length.</summary>
        private byte[] ReadMessage()
        {
            _socket.ReceiveTimeout = Milliseconds(_options.Timeout);
            var header = new byte[6];
            ReadExactly(header, 0, 2);
            if (header[0] != 0x30)
            {
                throw ProtocolError($"a message that does not start like LDAP (first byte 0x{header[0]:x2})");
            }

            int headerLength = 2;
            long length = header[1];
            if ((header[1] & 0x80) != 0)
            {
                int count = header[1] & 0x7F;
                if (count == 0 || count > 4)
                {
                    throw ProtocolError("a message with an unsupported length form");
                }

                ReadExactly(header, 2, count);
                headerLength += count;
                length = 0;
                for (int i = 0; i < count; i++)
                {
                    length = (length << 8) | header[2 + i];
                }
            }

            if (length > _options.Limits.MaximumDirectoryReplySize)
            {
                // Refused from its length alone: nothing of the announced size is allocated or read.
                throw InputLimits.Exceeded(ErrorIds.DirectoryReplyTooLarge, $"The directory {Url.Display}", $"it announced a reply of {length} bytes",
                    nameof(InputLimits.MaximumDirectoryReplySize), _options.Limits.MaximumDirectoryReplySize, Url.Display);
            }

            _bytesReceived += headerLength + length;

            var message = new byte[headerLength + length];
            Array.Copy(header, message, headerLength);
            ReadExactly(message, headerLength, (int)length);
            return message;
        }

        private void ReadExactly(byte[] buffer, int offset, int count)
        {
            while (count > 0)
            {
                int read = _stream.Read(buffer, offset, count);
                if (read == 0)
                {
                    throw new IOException("the server closed the connection.");
                }

                offset += read;
                count -= read;
            }
        }

        /// <summary>Runs one decoding step over a server's answer; BER that does not hold what LDAP says it should is a protocol error, not a crash.</summary>
        private T Decode<T>(Func<T> read, string what)
        {
            try
            {
                return read();
            }
            catch (Exception e) when (e is AsnContentException or OverflowException)
            {
                throw ProtocolError($"{what} that is not valid LDAP ({e.Message})", e);
            }
        }

        private SmimeException ProtocolError(string what, Exception? inner = null) =>
            new(ErrorIds.DirectoryOperationFailed, SmimeErrorKind.InvalidData,
                $"The directory {Url.Display} sent {what}.",
                "Check that the URI names an LDAP server; for ldaps:// the port must speak TLS, for ldap:// plain LDAP.", Url.Display, inner);

        private SmimeException OperationFailed(string what, LdapResult result) =>
            new(ErrorIds.DirectoryOperationFailed, result.Code is 50 or 8 or 13 ? SmimeErrorKind.SecurityError : SmimeErrorKind.InvalidOperation,
                $"The directory {Url.Display} refused the {what} ({result.Describe()}).",
                result.Code switch
                {
                    50 => "The account bound with may not do this; bind as one that may (-Credential).",
                    8 or 13 => "The server wants an encrypted connection or a stronger bind: use ldaps:// or -StartTls, and -Credential.",
                    _ => "The server's answer is above; ask the directory's administrator if it is not clear.",
                },
                Url.Display);

        private static Exception Innermost(Exception e)
        {
            while (e.InnerException != null)
            {
                e = e.InnerException;
            }

            return e;
        }

        private static int Milliseconds(TimeSpan span) => (int)Math.Clamp(span.TotalMilliseconds, 1, int.MaxValue);

        private static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0.#} s";

        private sealed record Message(int Id, AsnReader Operation, AsnReader? Controls);

        private sealed record LdapResult(int Code, string Diagnostic)
        {
            public string Describe()
            {
                var name = LdapResultCodes.Name(Code);
                return Diagnostic.Length == 0 ? $"result {Code}, {name}" : $"result {Code}, {name}: {Diagnostic}";
            }
        }
    }
}
