using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace SmimeTools.Fuzz
{
    /// <summary>An "LDAP server" on loopback that reads a request and answers each connection with <see cref="Answer"/>, then closes.</summary>
    internal sealed class LoopbackLdapServer : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly Thread _thread;
        private volatile byte[] _answer = Array.Empty<byte>();
        private volatile bool _stopping;

        public LoopbackLdapServer()
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _thread = new Thread(Serve) { IsBackground = true, Name = "fuzz LDAP server" };
            _thread.Start();
        }

        public int Port { get; }

        /// <summary>The bytes the next connection is answered with.</summary>
        public byte[] Answer
        {
            get => _answer;
            set => _answer = value;
        }

        public void Dispose()
        {
            _stopping = true;
            _listener.Stop();
            _thread.Join(TimeSpan.FromSeconds(2));
        }

        private void Serve()
        {
            var request = new byte[4096];
            while (!_stopping)
            {
                Socket client;
                try
                {
                    client = _listener.AcceptSocket();
                }
                catch (SocketException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                using (client)
                {
                    try
                    {
                        client.ReceiveTimeout = 2000;
                        client.SendTimeout = 2000;
                        client.Receive(request);
                        client.Send(_answer);
                        client.Shutdown(SocketShutdown.Send);

                        // Let the client read to the end and say goodbye before the socket goes.
                        while (client.Receive(request) > 0)
                        {
                        }
                    }
                    catch (SocketException)
                    {
                        // The client gave up on the answer: the next connection is served all the same.
                    }
                }
            }
        }
    }
}
