using System.Globalization;

namespace MailMesh.Testing;

/// <summary>
/// Where each test server is, read from <c>MAILMESH_TEST_*</c> environment variables, with loopback
/// defaults that match <c>scripts/test-servers.sh</c>. A malformed value throws an
/// <see cref="InvalidOperationException"/> naming the variable.
/// </summary>
public sealed class TestServerSettings
{
    /// <summary>Default run directory of <c>scripts/test-servers.sh</c> (override: <c>MAILMESH_RUN_DIR</c>).</summary>
    public const string DefaultRunDirectory = "/tmp/mailmesh-test-servers";

    /// <summary>The loopback address every test server binds to by default.</summary>
    public const string DefaultHost = "127.0.0.1";

    /// <summary>The well-known, public development account key of the storage emulator.</summary>
    public const string AzuriteDevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Func<string, string?> _env;

    /// <summary>Reads settings through <paramref name="environment"/> (a variable name to its value, or null when unset).</summary>
    public TestServerSettings(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _env = environment;
        RunDirectory = Get("MAILMESH_RUN_DIR") ?? DefaultRunDirectory;
        ServersRequired = string.Equals(Get("MAILMESH_TEST_SERVERS"), "required", StringComparison.OrdinalIgnoreCase);
        Postgres = ReadPostgres();
        RabbitMq = ReadRabbitMq();
        Dovecot = ReadDovecot();
        SmtpCapture = new SmtpCaptureEndpoint(
            new HostPort(Get("MAILMESH_TEST_SMTP_HOST") ?? DefaultHost, Port("MAILMESH_TEST_SMTP_PORT", 22525)),
            Get("MAILMESH_TEST_SMTP_DIR") ?? Path.Combine(RunDirectory, "smtp", "messages"));
        SmtpSink = new HostPort(Get("MAILMESH_TEST_SMTPSINK_HOST") ?? DefaultHost, Port("MAILMESH_TEST_SMTPSINK_PORT", 22526));
        Azurite = ReadAzurite();
    }

    /// <summary>Settings from the process environment.</summary>
    public static TestServerSettings FromEnvironment() => new(Environment.GetEnvironmentVariable);

    /// <summary>True when <c>MAILMESH_TEST_SERVERS=required</c>: a missing server fails a test instead of skipping it.</summary>
    public bool ServersRequired { get; }

    /// <summary>The run directory of <c>scripts/test-servers.sh</c> (<c>MAILMESH_RUN_DIR</c>).</summary>
    public string RunDirectory { get; }

    /// <summary>PostgreSQL (<c>MAILMESH_TEST_POSTGRES</c>).</summary>
    public PostgresEndpoint Postgres { get; }

    /// <summary>RabbitMQ (<c>MAILMESH_TEST_RABBITMQ</c>).</summary>
    public RabbitMqEndpoint RabbitMq { get; }

    /// <summary>Dovecot (<c>MAILMESH_TEST_IMAP_*</c>, <c>MAILMESH_TEST_POP3_PORT</c>, <c>MAILMESH_TEST_LMTP_PORT</c>).</summary>
    public DovecotEndpoint Dovecot { get; }

    /// <summary>The SMTP server that keeps messages (<c>MAILMESH_TEST_SMTP_HOST/PORT/DIR</c>).</summary>
    public SmtpCaptureEndpoint SmtpCapture { get; }

    /// <summary>Postfix <c>smtp-sink</c> (<c>MAILMESH_TEST_SMTPSINK_HOST/PORT</c>).</summary>
    public HostPort SmtpSink { get; }

    /// <summary>Azurite blob service (<c>MAILMESH_TEST_AZURITE_BLOB/ACCOUNT/KEY</c>).</summary>
    public AzuriteEndpoint Azurite { get; }

    /// <summary>Every address that must accept connections for <paramref name="server"/> to count as up.</summary>
    public IReadOnlyList<HostPort> AddressesOf(Server server) => server switch
    {
        Server.Postgres => [Postgres.Address],
        Server.RabbitMq => [RabbitMq.Address],
        Server.Dovecot => [Dovecot.Imap, Dovecot.Imaps, Dovecot.Pop3, Dovecot.Lmtp],
        Server.SmtpCapture => [SmtpCapture.Address],
        Server.SmtpSink => [SmtpSink],
        Server.Azurite => [Azurite.Address],
        _ => throw new ArgumentOutOfRangeException(nameof(server), server, "Unknown test server."),
    };

    /// <summary>A human description of <paramref name="server"/> and its addresses, for messages.</summary>
    public string Describe(Server server) => server switch
    {
        Server.Postgres => $"PostgreSQL at {Postgres.Address} (MAILMESH_TEST_POSTGRES)",
        Server.RabbitMq => $"RabbitMQ at {RabbitMq.Address} (MAILMESH_TEST_RABBITMQ)",
        Server.Dovecot => $"Dovecot at IMAP {Dovecot.Imap}, IMAPS {Dovecot.Imaps}, POP3 {Dovecot.Pop3}, LMTP {Dovecot.Lmtp} (MAILMESH_TEST_IMAP_*)",
        Server.SmtpCapture => $"the capturing SMTP server at {SmtpCapture.Address} (MAILMESH_TEST_SMTP_PORT)",
        Server.SmtpSink => $"smtp-sink at {SmtpSink} (MAILMESH_TEST_SMTPSINK_PORT)",
        Server.Azurite => $"Azurite blob at {Azurite.BlobEndpoint} (MAILMESH_TEST_AZURITE_BLOB)",
        _ => throw new ArgumentOutOfRangeException(nameof(server), server, "Unknown test server."),
    };

    private string? Get(string name)
    {
        var value = _env(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private int Port(string name, int fallback)
    {
        var value = Get(name);
        if (value is null)
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : throw new InvalidOperationException($"{name}='{value}' is not a TCP port (a number from 1 to 65535).");
    }

    private PostgresEndpoint ReadPostgres()
    {
        const string name = "MAILMESH_TEST_POSTGRES";
        var connectionString = Get(name)
            ?? $"Host={DefaultHost};Port=25432;Database=maildb;Username=mailtest;Password=mailtest";
        string host = "localhost";
        int port = 5432;
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new InvalidOperationException($"{name}: '{part}' is not a Key=Value pair (expected e.g. 'Host=127.0.0.1;Port=25432;Database=maildb;Username=mailtest;Password=mailtest').");
            }

            var key = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            if (key.Equals("Host", StringComparison.OrdinalIgnoreCase) || key.Equals("Server", StringComparison.OrdinalIgnoreCase))
            {
                host = value;
            }
            else if (key.Equals("Port", StringComparison.OrdinalIgnoreCase))
            {
                port = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 65535
                    ? p
                    : throw new InvalidOperationException($"{name}: Port='{value}' is not a TCP port (a number from 1 to 65535).");
            }
        }

        return new PostgresEndpoint(connectionString, new HostPort(host, port));
    }

    private RabbitMqEndpoint ReadRabbitMq()
    {
        const string name = "MAILMESH_TEST_RABBITMQ";
        var value = Get(name) ?? $"amqp://mailtest:mailtest@{DefaultHost}:25672/mailmesh";
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "amqp" && uri.Scheme != "amqps"))
        {
            throw new InvalidOperationException($"{name}='{value}' is not an amqp:// or amqps:// URI (expected e.g. 'amqp://mailtest:mailtest@127.0.0.1:25672/mailmesh').");
        }

        return new RabbitMqEndpoint(uri);
    }

    private DovecotEndpoint ReadDovecot()
    {
        var users = ParseUsers(Get("MAILMESH_TEST_IMAP_USERS") ?? "alice@example.test:alicepw,bob@example.test:bobpw,carol@example.test:carolpw");
        return new DovecotEndpoint(
            Get("MAILMESH_TEST_IMAP_HOST") ?? DefaultHost,
            Port("MAILMESH_TEST_IMAP_PORT", 21143),
            Port("MAILMESH_TEST_IMAPS_PORT", 21993),
            Port("MAILMESH_TEST_POP3_PORT", 21110),
            Port("MAILMESH_TEST_LMTP_PORT", 21024),
            Get("MAILMESH_TEST_IMAP_CA_CERT") ?? Path.Combine(RunDirectory, "dovecot", "ssl", "ca.pem"),
            Get("MAILMESH_TEST_IMAP_MAIL_ROOT") ?? Path.Combine(RunDirectory, "dovecot", "mail"),
            users);
    }

    private static List<MailUser> ParseUsers(string value)
    {
        var users = new List<MailUser>();
        foreach (var entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == entry.Length - 1)
            {
                throw new InvalidOperationException($"MAILMESH_TEST_IMAP_USERS: '{entry}' is not 'address:password' (expected e.g. 'alice@example.test:alicepw,bob@example.test:bobpw').");
            }

            users.Add(new MailUser(entry[..colon], entry[(colon + 1)..]));
        }

        return users.Count > 0
            ? users
            : throw new InvalidOperationException("MAILMESH_TEST_IMAP_USERS names no user (expected e.g. 'alice@example.test:alicepw,bob@example.test:bobpw').");
    }

    private AzuriteEndpoint ReadAzurite()
    {
        const string name = "MAILMESH_TEST_AZURITE_BLOB";
        var account = Get("MAILMESH_TEST_AZURITE_ACCOUNT") ?? "devstoreaccount1";
        var value = Get(name) ?? $"http://{DefaultHost}:20000/{account}";
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"{name}='{value}' is not an http(s) URL (expected e.g. 'http://127.0.0.1:20000/devstoreaccount1').");
        }

        var key = Get("MAILMESH_TEST_AZURITE_KEY") ?? AzuriteDevelopmentKey;
        Span<byte> scratch = stackalloc byte[128];
        if (!Convert.TryFromBase64String(key, scratch, out _))
        {
            throw new InvalidOperationException("MAILMESH_TEST_AZURITE_KEY is not a base64 account key (at most 128 bytes).");
        }

        return new AzuriteEndpoint(uri, account, key);
    }
}
