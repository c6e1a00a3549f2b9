using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MailMesh.Testing;

namespace MailMesh.SmokeTests;

public sealed class TestServerSettingsTests
{
    private static TestServerSettings From(params (string Name, string Value)[] vars)
    {
        var map = vars.ToDictionary(v => v.Name, v => v.Value);
        return new TestServerSettings(name => map.GetValueOrDefault(name));
    }

    [Fact]
    public void Constructor_NoVariables_UsesLoopbackDefaults()
    {
        var settings = From();

        Assert.False(settings.ServersRequired);
        Assert.Equal(new HostPort("127.0.0.1", 25432), settings.Postgres.Address);
        Assert.Equal(new Uri("amqp://mailtest:mailtest@127.0.0.1:25672/mailmesh"), settings.RabbitMq.Uri);
        Assert.Equal(new HostPort("127.0.0.1", 21143), settings.Dovecot.Imap);
        Assert.Equal(new HostPort("127.0.0.1", 21993), settings.Dovecot.Imaps);
        Assert.Equal(new HostPort("127.0.0.1", 21110), settings.Dovecot.Pop3);
        Assert.Equal("/tmp/mailmesh-test-servers/dovecot/ssl/ca.pem", settings.Dovecot.CaCertificatePath);
        Assert.Equal(new MailUser("alice@example.test", "alicepw"), settings.Dovecot.Alice);
        Assert.Equal(new MailUser("bob@example.test", "bobpw"), settings.Dovecot.Bob);
        Assert.Equal(new HostPort("127.0.0.1", 22525), settings.SmtpCapture.Address);
        Assert.Equal("/tmp/mailmesh-test-servers/smtp/messages/new", settings.SmtpCapture.NewMessagesDirectory);
        Assert.Equal(new HostPort("127.0.0.1", 22526), settings.SmtpSink);
        Assert.Equal(new Uri("http://127.0.0.1:20000/devstoreaccount1"), settings.Azurite.BlobEndpoint);
        Assert.Equal("devstoreaccount1", settings.Azurite.AccountName);
    }

    [Fact]
    public void Constructor_Overrides_AreUsed()
    {
        var settings = From(
            ("MAILMESH_TEST_SERVERS", "required"),
            ("MAILMESH_RUN_DIR", "/srv/run"),
            ("MAILMESH_TEST_POSTGRES", "Server=db.local;Port=6543;Database=x;Username=u;Password=p"),
            ("MAILMESH_TEST_IMAP_PORT", "1143"),
            ("MAILMESH_TEST_IMAP_USERS", "carol@example.test:c1,dave@example.test:d2"));

        Assert.True(settings.ServersRequired);
        Assert.Equal(new HostPort("db.local", 6543), settings.Postgres.Address);
        Assert.Equal(1143, settings.Dovecot.ImapPort);
        Assert.Equal("/srv/run/dovecot/ssl/ca.pem", settings.Dovecot.CaCertificatePath);
        Assert.Equal("/srv/run/smtp/messages", settings.SmtpCapture.Directory);
        Assert.Equal("carol@example.test", settings.Dovecot.Alice.Address);
        Assert.Equal("d2", settings.Dovecot.Bob.Password);
    }

    [Theory]
    [InlineData("MAILMESH_TEST_IMAP_PORT", "abc", "MAILMESH_TEST_IMAP_PORT='abc' is not a TCP port")]
    [InlineData("MAILMESH_TEST_SMTP_PORT", "70000", "MAILMESH_TEST_SMTP_PORT='70000' is not a TCP port")]
    [InlineData("MAILMESH_TEST_RABBITMQ", "http://x", "MAILMESH_TEST_RABBITMQ='http://x' is not an amqp://")]
    [InlineData("MAILMESH_TEST_POSTGRES", "Host=h;Port=x", "MAILMESH_TEST_POSTGRES: Port='x' is not a TCP port")]
    [InlineData("MAILMESH_TEST_POSTGRES", "Host=h;junk", "MAILMESH_TEST_POSTGRES: 'junk' is not a Key=Value pair")]
    [InlineData("MAILMESH_TEST_IMAP_USERS", "alice", "MAILMESH_TEST_IMAP_USERS: 'alice' is not 'address:password'")]
    [InlineData("MAILMESH_TEST_AZURITE_BLOB", "ftp://x/y", "MAILMESH_TEST_AZURITE_BLOB='ftp://x/y' is not an http(s) URL")]
    [InlineData("MAILMESH_TEST_AZURITE_KEY", "not base64!", "MAILMESH_TEST_AZURITE_KEY is not a base64 account key")]
    public void Constructor_MalformedVariable_ThrowsNamingIt(string name, string value, string expected)
    {
        var e = Assert.Throws<InvalidOperationException>(() => From((name, value)));

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_ClosedPort_SaysWhichServerWhereAndHowToStartIt()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var settings = From(("MAILMESH_TEST_SMTPSINK_PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var problem = TestServers.Probe(settings, Server.SmtpSink);

        Assert.NotNull(problem);
        Assert.Contains($"smtp-sink at 127.0.0.1:{port}", problem, StringComparison.Ordinal);
        Assert.Contains("refused", problem, StringComparison.Ordinal);
        Assert.Contains("scripts/test-servers.sh up", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_ListeningPort_ReportsNoProblem()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var settings = From(("MAILMESH_TEST_SMTP_PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Null(TestServers.Probe(settings, Server.SmtpCapture));
    }

    [Fact]
    public async Task Defaults_MatchTheEnvPrintedByTestServersScript()
    {
        var root = RepositoryRoot.Path ?? throw new InvalidOperationException("Tests run outside a MailMesh checkout: no MailMesh.sln above " + AppContext.BaseDirectory);
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "scripts", "test-servers.sh"), "env"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MAILMESH_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Timeout());
        await process.WaitForExitAsync(TestContext.Timeout());
        Assert.True(process.ExitCode == 0, "scripts/test-servers.sh env failed: " + await process.StandardError.ReadToEndAsync());
        var exported = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line["export ".Length..].Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1].Trim('\''));

        var fromScript = new TestServerSettings(name => exported.GetValueOrDefault(name));
        var defaults = From();

        foreach (var server in Enum.GetValues<Server>())
        {
            Assert.Equal(defaults.AddressesOf(server), fromScript.AddressesOf(server));
        }

        Assert.Equal(defaults.Postgres.ConnectionString, fromScript.Postgres.ConnectionString);
        Assert.Equal(defaults.RabbitMq.Uri, fromScript.RabbitMq.Uri);
        Assert.Equal(defaults.Dovecot, fromScript.Dovecot with { Users = defaults.Dovecot.Users });
        Assert.Equal(defaults.Dovecot.Users, fromScript.Dovecot.Users);
        Assert.Equal(defaults.SmtpCapture, fromScript.SmtpCapture);
        Assert.Equal(defaults.Azurite, fromScript.Azurite);
    }
}
