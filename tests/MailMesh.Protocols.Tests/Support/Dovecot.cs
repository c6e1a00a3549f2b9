using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Pop3;
using MailMesh.Testing;

namespace MailMesh.Protocols.Tests.Support;

/// <summary>The Dovecot tests share users and a per-user connection limit: they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DovecotCollection
{
    public const string Name = "Dovecot";
}

/// <summary>Clients and data for tests against the project's Dovecot (scripts/test-servers.sh).</summary>
internal static class Dovecot
{
    public static DovecotEndpoint Server => TestServers.Dovecot;

    public static MailUser Alice => Server.Alice;

    public static MailUser Bob => Server.Bob;

    public static ImapClientOptions ImapOptions(TlsMode tls = TlsMode.None, bool trustTestCa = true, Action<MailTlsOptions>? trust = null)
    {
        var options = new ImapClientOptions
        {
            Host = Server.Host,
            Port = tls == TlsMode.Implicit ? Server.ImapsPort : Server.ImapPort,
            Tls = tls,
            CommandTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(15),
        };
        if (trustTestCa && tls != TlsMode.None)
        {
            options.TlsOptions.TrustedCertificates.Add(Server.LoadCaCertificate());
        }

        trust?.Invoke(options.TlsOptions);
        return options;
    }

    public static Pop3ClientOptions Pop3Options(TlsMode tls = TlsMode.None, bool trustTestCa = true)
    {
        var options = new Pop3ClientOptions
        {
            Host = Server.Host,
            Port = Server.Pop3Port,
            Tls = tls,
            CommandTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(15),
        };
        if (trustTestCa && tls != TlsMode.None)
        {
            options.TlsOptions.TrustedCertificates.Add(Server.LoadCaCertificate());
        }

        return options;
    }

    public static async Task<ImapClient> ConnectAsync(MailUser user, TlsMode tls = TlsMode.None, CancellationToken cancellationToken = default)
    {
        var client = new ImapClient(ImapOptions(tls));
        await client.ConnectAsync(cancellationToken);
        await client.AuthenticateAsync(user.Address, user.Password, cancellationToken);
        return client;
    }

    /// <summary>A fresh, unique mailbox name for one test.</summary>
    public static string NewFolderName() => "t-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A small RFC 5322 message with CRLF line ends; <paramref name="body"/> may hold tricky lines.</summary>
    public static byte[] Message(int number, string? body = null, string? subject = null)
    {
        var text = new StringBuilder()
            .Append("From: Sender <sender@example.test>\r\n")
            .Append("To: Alice <alice@example.test>\r\n")
            .Append("Subject: ").Append(subject ?? "Test message " + number.ToString(CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n")
            .Append("Message-ID: <m").Append(number.ToString(CultureInfo.InvariantCulture)).Append('.').Append(Guid.NewGuid().ToString("N")).Append("@example.test>\r\n")
            .Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
            .Append(body ?? "Hello " + number.ToString(CultureInfo.InvariantCulture) + "\r\nSecond line.\r\n")
            .ToString();
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>The server certificate as presented on IMAPS (captured without validating it).</summary>
    public static async Task<X509Certificate2> CaptureImapsCertificateAsync(CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Server.Host, Server.ImapsPort, cancellationToken);
        X509Certificate2? captured = null;
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            captured = certificate is null ? null : new X509Certificate2(certificate);
            return true;
        });
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, cancellationToken);
        return captured ?? throw new InvalidOperationException("The IMAPS server presented no certificate.");
    }

    public static string Sha256(X509Certificate2 certificate) => Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256));
}

/// <summary>A mailbox created for one test and deleted afterwards (through its own connection).</summary>
internal sealed class TestFolder : IAsyncDisposable
{
    private readonly MailUser _user;

    private TestFolder(MailUser user, string name)
    {
        _user = user;
        Name = name;
    }

    public string Name { get; }

    public static async Task<TestFolder> CreateAsync(MailUser user, CancellationToken cancellationToken)
    {
        var name = Dovecot.NewFolderName();
        await using var client = await Dovecot.ConnectAsync(user, cancellationToken: cancellationToken);
        await client.CreateMailboxAsync(name, cancellationToken);
        return new TestFolder(user, name);
    }

    public async ValueTask DisposeAsync()
    {
        await using var client = await Dovecot.ConnectAsync(_user, cancellationToken: TestTimeout.Token());
        await client.DeleteMailboxAsync(Name, TestTimeout.Token());
    }
}
