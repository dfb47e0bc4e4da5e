using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SmimeTools.Tests.Trust
{
    /// <summary>An HTTP server on 127.0.0.1 and a free port, answering with whatever <see cref="Handler"/> says.</summary>
    internal sealed class LoopbackServer : IDisposable
    {
        private readonly HttpListener _listener;
        private readonly Task _loop;

        public LoopbackServer(Func<string, byte[], (int Status, byte[] Body)> handler)
        {
            Handler = handler;
            for (int attempt = 0; ; attempt++)
            {
                int port = FreePort();
                var listener = new HttpListener();
                listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                try
                {
                    listener.Start();
                    _listener = listener;
                    BaseUri = new Uri($"http://127.0.0.1:{port}/");
                    break;
                }
                catch (HttpListenerException) when (attempt < 5)
                {
                    listener.Close();
                }
            }

            _loop = Task.Run(Serve);
        }

        public Uri BaseUri { get; }

        /// <summary>Path (e.g. "/intermediate.crl") and request body to status and answer.</summary>
        public Func<string, byte[], (int Status, byte[] Body)> Handler { get; }

        public static int FreePort()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }

        public void Dispose()
        {
            _listener.Close();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
            }
        }

        private async Task Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                try
                {
                    var body = new MemoryStream();
                    await context.Request.InputStream.CopyToAsync(body).ConfigureAwait(false);
                    var (status, answer) = Handler(context.Request.Url!.AbsolutePath, body.ToArray());
                    context.Response.StatusCode = status;
                    context.Response.ContentLength64 = answer.Length;
                    await context.Response.OutputStream.WriteAsync(answer).ConfigureAwait(false);
                    context.Response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
                {
                    // The client went away (a test's timeout); serve the next one.
                }
            }
        }
    }

    /// <summary>A TCP port that accepts connections and never says anything: a server that does not answer.</summary>
    internal sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _clients = new();
        private readonly CancellationTokenSource _stop = new();

        public SilentServer()
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        var client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
                        lock (_clients)
                        {
                            _clients.Add(client);
                        }
                    }
                    catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                    {
                        return;
                    }
                }
            });
        }

        public int Port { get; }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_clients)
            {
                foreach (var client in _clients)
                {
                    client.Dispose();
                }
            }

            _stop.Dispose();
        }
    }
}
