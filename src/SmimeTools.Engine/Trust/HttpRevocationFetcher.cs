using System;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// Fetches CRLs (GET) and OCSP answers (POST application/ocsp-request) over http and https, with a timeout and a size
    /// limit on every request. Other schemes (ldap, ldaps) return null: an LDAP-aware fetcher can wrap this one.
    /// </summary>
    public sealed class HttpRevocationFetcher : IRevocationFetcher
    {
        private static readonly HttpClient Client = new(new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 3,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            UseProxy = true,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

        private readonly TimeSpan _timeout;

        /// <summary>A fetcher whose every request is also bounded by <paramref name="timeout"/> (besides the caller's token).</summary>
        public HttpRevocationFetcher(TimeSpan timeout)
        {
            if (timeout <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive.");
            }

            _timeout = timeout;
        }

        /// <summary>The fetcher used when <see cref="ValidationOptions.Fetcher"/> is null (60 s at most per request; the validator's own timeout is usually shorter).</summary>
        public static HttpRevocationFetcher Default { get; } = new(TimeSpan.FromSeconds(60));

        public byte[]? FetchCrl(Uri location, long maxBytes, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(location);
            if (!IsHttp(location))
            {
                return null;
            }

            try
            {
                return Run(() => new HttpRequestMessage(HttpMethod.Get, location), maxBytes, cancellationToken);
            }
            catch (AnswerTooLargeException e)
            {
                throw InputLimits.Exceeded(ErrorIds.CrlTooLarge, $"The CRL at {location}", e.Message, nameof(InputLimits.MaximumCrlSize), maxBytes, location.AbsoluteUri);
            }
        }

        public byte[]? SendOcspRequest(Uri responder, byte[] request, long maxBytes, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(responder);
            ArgumentNullException.ThrowIfNull(request);
            if (!IsHttp(responder))
            {
                return null;
            }

            return Run(() =>
            {
                var message = new HttpRequestMessage(HttpMethod.Post, responder) { Content = new ByteArrayContent(request) };
                message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
                message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/ocsp-response"));
                return message;
            }, maxBytes, cancellationToken);
        }

        private static bool IsHttp(Uri uri) =>
            uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

        private byte[] Run(Func<HttpRequestMessage> request, long maxBytes, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_timeout);

            // The engine is synchronous; the work runs on the pool so that no caller's synchronisation context can deadlock it.
            return Task.Run(() => SendAsync(request, maxBytes, timeout.Token), timeout.Token).GetAwaiter().GetResult();
        }

        private static async Task<byte[]> SendAsync(Func<HttpRequestMessage> request, long maxBytes, CancellationToken token)
        {
            using var message = request();
            using var response = await Client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            if (response.Content.Headers.ContentLength is long length && length > maxBytes)
            {
                throw new AnswerTooLargeException($"the server announced {length} bytes");
            }

            await using var stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            while (true)
            {
                int read = await stream.ReadAsync(chunk, token).ConfigureAwait(false);
                if (read == 0)
                {
                    return buffer.ToArray();
                }

                if (buffer.Length + read > maxBytes)
                {
                    throw new AnswerTooLargeException($"the server sent more than {maxBytes} bytes");
                }

                buffer.Write(chunk, 0, read);
            }
        }

        /// <summary>An answer refused for its size, told apart from other bad answers so that a CRL's names its limit.</summary>
        private sealed class AnswerTooLargeException : IOException
        {
            public AnswerTooLargeException(string message)
                : base(message)
            {
            }
        }
    }
}
