using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using Org.BouncyCastle.X509;

namespace SmimeTools.TestPki
{
    /// <summary>
    /// A throw-away OpenLDAP slapd on 127.0.0.1 for the directory tests: a temporary slapd.conf and mdb database in a
    /// work folder, filled with slapadd from the test PKI's certificates, listening on two free ports (ldap:// with
    /// StartTLS, and ldaps://) with the PKI's TLS server certificate, run as the current user and killed by
    /// <see cref="Dispose"/>. The entries (below ou=people,dc=example,dc=com):
    /// alice (two certificates: rsa2048 and renewed), bob (userSMIMECertificate PKCS#7 with rsa3072 and the
    /// intermediate), carol (found only by proxyAddresses, p256), expired (only an expired certificate), nocert, dave
    /// and erin (no certificate: targets for publishing), and two entries sharing twins@example.com; below
    /// ou=ca the intermediate CA with its certificate and CRL.
    /// </summary>
    public sealed class TestDirectoryServer : IDisposable
    {
        public const string Suffix = "dc=example,dc=com";
        public const string PeopleDn = "ou=people," + Suffix;
        public const string AdminDn = "cn=admin," + Suffix;
        public const string AdminPassword = "directory-test-password";
        public const string CaEntryDn = "cn=SmimeTools Test Intermediate CA,ou=ca," + Suffix;

        private static readonly string[] SchemaFolders = { "/etc/ldap/schema", "/etc/openldap/schema", "/usr/local/etc/openldap/schema", "/opt/homebrew/etc/openldap/schema" };
        private static readonly string[] ModuleFolders = { "/usr/lib/ldap", "/usr/lib64/openldap", "/usr/lib/openldap", "/usr/libexec/openldap" };

        private TestDirectoryServer(string workFolder, int ldapPort, int ldapsPort, int processId)
        {
            WorkFolder = workFolder;
            LdapPort = ldapPort;
            LdapsPort = ldapsPort;
            ProcessId = processId;
        }

        public string WorkFolder { get; }

        public int LdapPort { get; }

        public int LdapsPort { get; }

        public int ProcessId { get; }

        /// <summary>ldap://127.0.0.1:port/ou=people,dc=example,dc=com (plain; StartTLS is offered).</summary>
        public string LdapUri => $"ldap://127.0.0.1:{LdapPort}/{PeopleDn}";

        /// <summary>ldaps://localhost:port/ou=people,dc=example,dc=com.</summary>
        public string LdapsUri => $"ldaps://localhost:{LdapsPort}/{PeopleDn}";

        /// <summary>The LDAP URL of the intermediate CA's CRL, as a distribution point names it.</summary>
        public string CrlUri => $"ldap://127.0.0.1:{LdapPort}/{Uri.EscapeDataString(CaEntryDn).Replace("%3D", "=").Replace("%2C", ",")}?certificateRevocationList;binary";

        /// <summary>Null when slapd and slapadd can be found; otherwise why the directory tests must skip.</summary>
        public static string? WhyUnavailable()
        {
            if (OperatingSystem.IsWindows())
            {
                return "the directory tests run OpenLDAP slapd, which this harness starts on Linux and macOS only";
            }

            if (FindProgram("slapd") == null || FindProgram("slapadd") == null)
            {
                return "OpenLDAP slapd and slapadd are not installed (Debian: apt-get install slapd)";
            }

            if (SchemaFolders.All(f => !File.Exists(Path.Combine(f, "inetorgperson.schema"))))
            {
                return "the OpenLDAP schema files (inetorgperson.schema) are not installed";
            }

            return null;
        }

        /// <summary>Writes the configuration and data for the PKI in <paramref name="pkiFolder"/> and starts slapd; throws when it cannot.</summary>
        public static TestDirectoryServer Start(string pkiFolder, string workFolder)
        {
            var why = WhyUnavailable();
            if (why != null)
            {
                throw new InvalidOperationException("Cannot start the test directory: " + why + ".");
            }

            Directory.CreateDirectory(workFolder);
            var ldif = Path.Combine(workFolder, "data.ldif");
            File.WriteAllText(ldif, Ldif(pkiFolder), new UTF8Encoding(false));
            Exception? last = null;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                int ldapPort = FreePort();
                int ldapsPort = FreePort();
                var data = Path.Combine(workFolder, "data");
                if (Directory.Exists(data))
                {
                    Directory.Delete(data, recursive: true);
                }

                Directory.CreateDirectory(data);
                var config = Path.Combine(workFolder, "slapd.conf");
                File.WriteAllText(config, Config(pkiFolder, workFolder, data), new UTF8Encoding(false));
                Run(FindProgram("slapadd")!, new[] { "-f", config, "-l", ldif }, TimeSpan.FromSeconds(60));
                try
                {
                    Run(FindProgram("slapd")!, new[] { "-f", config, "-h", $"ldap://127.0.0.1:{ldapPort}/ ldaps://127.0.0.1:{ldapsPort}/" }, TimeSpan.FromSeconds(30));
                    var pid = WaitForPid(Path.Combine(workFolder, "slapd.pid"));
                    WaitForPort(ldapPort);
                    WaitForPort(ldapsPort);
                    return new TestDirectoryServer(workFolder, ldapPort, ldapsPort, pid);
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                {
                    last = e;
                    StopProcessFromPidFile(Path.Combine(workFolder, "slapd.pid"));
                }
            }

            throw new InvalidOperationException("slapd did not start: " + last?.Message, last);
        }

        /// <summary>Kills slapd and deletes the work folder.</summary>
        public void Dispose()
        {
            Stop(ProcessId);
            try
            {
                Directory.Delete(WorkFolder, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        /// <summary>Kills the slapd with this process id and waits until it is gone.</summary>
        public static void Stop(int processId)
        {
            try
            {
                using var process = Process.GetProcessById(processId);
                process.Kill();
                process.WaitForExit(10000);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
            }
        }

        /// <summary>The JSON the command line prints for Pester: URIs, ports, DNs, the admin password and the process id.</summary>
        public string ToJson()
        {
            static string S(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
            return "{" + string.Join(",", new[]
            {
                $"\"ldapUri\":{S(LdapUri)}",
                $"\"ldapsUri\":{S(LdapsUri)}",
                $"\"crlUri\":{S(CrlUri)}",
                $"\"ldapPort\":{LdapPort}",
                $"\"ldapsPort\":{LdapsPort}",
                $"\"peopleDn\":{S(PeopleDn)}",
                $"\"adminDn\":{S(AdminDn)}",
                $"\"adminPassword\":{S(AdminPassword)}",
                $"\"processId\":{ProcessId}",
                $"\"workFolder\":{S(WorkFolder)}",
            }) + "}";
        }

        private static string Config(string pkiFolder, string workFolder, string data)
        {
            var schema = SchemaFolders.First(f => File.Exists(Path.Combine(f, "inetorgperson.schema")));
            var modules = ModuleFolders.FirstOrDefault(f => File.Exists(Path.Combine(f, "back_mdb.la")) || File.Exists(Path.Combine(f, "back_mdb.so")));
            var text = new StringBuilder();
            foreach (var file in new[] { "core", "cosine", "inetorgperson" })
            {
                text.Append("include ").Append(Path.Combine(schema, file + ".schema")).Append('\n');
            }

            // Active Directory's proxyAddresses (same OID), so the tests can search it as they would AD.
            text.Append("attributetype ( 1.2.840.113556.1.2.210 NAME 'proxyAddresses' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n");
            text.Append("objectclass ( 1.3.6.1.4.1.32473.1.1 NAME 'smimeToolsMailUser' SUP top AUXILIARY MAY proxyAddresses )\n");
            text.Append($"pidfile {Path.Combine(workFolder, "slapd.pid")}\n");
            text.Append($"argsfile {Path.Combine(workFolder, "slapd.args")}\n");
            if (modules != null)
            {
                text.Append($"modulepath {modules}\nmoduleload back_mdb\n");
            }

            text.Append($"TLSCertificateFile {Path.Combine(pkiFolder, "tls-server.crt")}\n");
            text.Append($"TLSCertificateKeyFile {Path.Combine(pkiFolder, "tls-server.key")}\n");
            text.Append("sizelimit 500\n");
            text.Append("database mdb\nmaxsize 10485760\n");
            text.Append($"suffix \"{Suffix}\"\nrootdn \"{AdminDn}\"\nrootpw {AdminPassword}\n");
            text.Append($"directory {data}\n");
            text.Append("access to attrs=userPassword by anonymous auth by * none\n");
            text.Append("access to * by * read\n");
            return text.ToString();
        }

        private static string Ldif(string pkiFolder)
        {
            byte[] Der(string name) => File.ReadAllBytes(Path.Combine(pkiFolder, name + ".cer"));
            var parser = new X509CertificateParser();
            var bobBundle = PkiFiles.CertsOnlyPkcs7(new[] { parser.ReadCertificate(Der("rsa3072")), parser.ReadCertificate(Der("intermediate")) });
            var text = new StringBuilder();
            void Entry(string dn, IEnumerable<string> classes, params (string Name, object Value)[] values)
            {
                text.Append("dn: ").Append(dn).Append('\n');
                foreach (var objectClass in classes)
                {
                    text.Append("objectClass: ").Append(objectClass).Append('\n');
                }

                foreach (var (name, value) in values)
                {
                    text.Append(name).Append(value is byte[] bytes ? ":: " + Convert.ToBase64String(bytes) : ": " + value).Append('\n');
                }

                text.Append('\n');
            }

            string[] person = { "inetOrgPerson" };
            Entry(Suffix, new[] { "dcObject", "organization" }, ("dc", "example"), ("o", "SmimeTools Test"));
            Entry(PeopleDn, new[] { "organizationalUnit" }, ("ou", "people"));
            Entry("ou=ca," + Suffix, new[] { "organizationalUnit" }, ("ou", "ca"));
            Entry("uid=alice," + PeopleDn, person, ("uid", "alice"), ("cn", "Alice Example"), ("sn", "Example"), ("mail", "alice@example.com"),
                ("userCertificate;binary", Der("rsa2048")), ("userCertificate;binary", Der("renewed")));
            Entry("uid=bob," + PeopleDn, person, ("uid", "bob"), ("cn", "Bob Example"), ("sn", "Example"), ("mail", "bob@example.com"),
                ("userSMIMECertificate", bobBundle));
            Entry("uid=carol," + PeopleDn, new[] { "inetOrgPerson", "smimeToolsMailUser" }, ("uid", "carol"), ("cn", "Carol Example"), ("sn", "Example"),
                ("mail", "c.example@mail.example.net"), ("proxyAddresses", "SMTP:carol@example.com"), ("userCertificate;binary", Der("p256")));
            Entry("uid=expired," + PeopleDn, person, ("uid", "expired"), ("cn", "Expired User"), ("sn", "User"), ("mail", "expired@example.com"),
                ("userCertificate;binary", Der("expired")));
            Entry("uid=nocert," + PeopleDn, person, ("uid", "nocert"), ("cn", "No Certificate"), ("sn", "Certificate"), ("mail", "nocert@example.com"));
            Entry("uid=dave," + PeopleDn, person, ("uid", "dave"), ("cn", "Dave Example"), ("sn", "Example"), ("mail", "dave@example.com"));
            Entry("uid=erin," + PeopleDn, person, ("uid", "erin"), ("cn", "Erin Example"), ("sn", "Example"), ("mail", "erin@example.com"));
            Entry("uid=twin1," + PeopleDn, person, ("uid", "twin1"), ("cn", "Twin One"), ("sn", "One"), ("mail", "twins@example.com"));
            Entry("uid=twin2," + PeopleDn, person, ("uid", "twin2"), ("cn", "Twin Two"), ("sn", "Two"), ("mail", "twins@example.com"));
            Entry(CaEntryDn, new[] { "applicationProcess", "pkiCA" }, ("cn", "SmimeTools Test Intermediate CA"),
                ("cACertificate;binary", Der("intermediate")), ("certificateRevocationList;binary", File.ReadAllBytes(Path.Combine(pkiFolder, "intermediate.crl"))));
            return text.ToString();
        }

        private static int FreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        private static void Run(string program, string[] arguments, TimeSpan timeout)
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
            var output = new StringBuilder();
            process.OutputDataReceived += (_, e) => { if (e.Data != null) { lock (output) { output.AppendLine(e.Data); } } };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) { lock (output) { output.AppendLine(e.Data); } } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit((int)timeout.TotalMilliseconds))
            {
                process.Kill();
                throw new TimeoutException($"{Path.GetFileName(program)} did not finish within {timeout.TotalSeconds} s.");
            }

            if (process.ExitCode != 0)
            {
                lock (output)
                {
                    throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {output}");
                }
            }
        }

        private static int WaitForPid(string pidFile)
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (DateTime.UtcNow < deadline)
            {
                if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    return pid;
                }

                Thread.Sleep(50);
            }

            throw new TimeoutException("slapd wrote no pid file within 15 s.");
        }

        private static void WaitForPort(int port)
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, port);
                    return;
                }
                catch (SocketException)
                {
                    Thread.Sleep(50);
                }
            }

            throw new TimeoutException($"slapd did not listen on 127.0.0.1:{port} within 15 s.");
        }

        private static void StopProcessFromPidFile(string pidFile)
        {
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                Stop(pid);
                File.Delete(pidFile);
            }
        }

        private static string? FindProgram(string name)
        {
            var folders = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
                .Concat(new[] { "/usr/sbin", "/usr/local/sbin", "/usr/local/libexec", "/opt/homebrew/sbin", "/opt/homebrew/opt/openldap/libexec" });
            return folders.Where(f => f.Length > 0).Select(f => Path.Combine(f, name)).FirstOrDefault(File.Exists);
        }
    }
}
