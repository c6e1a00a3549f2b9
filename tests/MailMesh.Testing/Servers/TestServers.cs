using System.Collections.Concurrent;
using System.Net.Sockets;

namespace MailMesh.Testing;

/// <summary>
/// The real servers tests run against (started by <c>scripts/test-servers.sh up</c>), with typed
/// accessors read from <c>MAILMESH_TEST_*</c> environment variables and loopback defaults, and a
/// reachability check per server. Use <see cref="ServerFactAttribute"/> to require a server.
/// </summary>
public static class TestServers
{
    /// <summary>How a developer starts the servers; quoted in every "not reachable" message.</summary>
    public const string StartHint =
        "start the test servers with `scripts/test-servers.sh up` and `. ${MAILMESH_RUN_DIR:-/tmp/mailmesh-test-servers}/env.sh` " +
        "(or run everything with `scripts/test.sh`)";

    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(3);
    private static readonly Lazy<TestServerSettings> s_settings = new(TestServerSettings.FromEnvironment);
    private static readonly ConcurrentDictionary<Server, Lazy<string?>> s_problems = new();

    /// <summary>The settings read from the environment (read once per process).</summary>
    public static TestServerSettings Settings => s_settings.Value;

    /// <summary>True when <c>MAILMESH_TEST_SERVERS=required</c>: an unreachable server fails tests instead of skipping them.</summary>
    public static bool Required => Settings.ServersRequired;

    /// <summary>PostgreSQL connection string (<c>MAILMESH_TEST_POSTGRES</c>; default <c>Host=127.0.0.1;Port=25432;Database=maildb;Username=mailtest;Password=mailtest</c>).</summary>
    public static string PostgresConnectionString => Settings.Postgres.ConnectionString;

    /// <summary>PostgreSQL connection string and address.</summary>
    public static PostgresEndpoint Postgres => Settings.Postgres;

    /// <summary>RabbitMQ AMQP URI (<c>MAILMESH_TEST_RABBITMQ</c>; default <c>amqp://mailtest:mailtest@127.0.0.1:25672/mailmesh</c>).</summary>
    public static Uri RabbitMqUri => Settings.RabbitMq.Uri;

    /// <summary>Dovecot: IMAP 21143, IMAPS 21993, POP3 21110, LMTP 21024 on 127.0.0.1 by default; users alice and bob; CA certificate path.</summary>
    public static DovecotEndpoint Dovecot => Settings.Dovecot;

    /// <summary>The SMTP server that keeps messages (127.0.0.1:22525 by default) and its Maildir.</summary>
    public static SmtpCaptureEndpoint SmtpCapture => Settings.SmtpCapture;

    /// <summary>Postfix <c>smtp-sink</c>, which counts and discards (127.0.0.1:22526 by default).</summary>
    public static HostPort SmtpSink => Settings.SmtpSink;

    /// <summary>Azurite blob endpoint (<c>http://127.0.0.1:20000/devstoreaccount1</c> by default) and the development account and key.</summary>
    public static AzuriteEndpoint Azurite => Settings.Azurite;

    /// <summary>True when every address of <paramref name="server"/> accepts TCP connections (probed once per process).</summary>
    public static bool IsReachable(Server server) => GetProblem(server) is null;

    /// <summary>
    /// Null when <paramref name="server"/> is reachable; otherwise a message naming the server, the
    /// address that did not answer and how to start it.
    /// </summary>
    public static string? GetProblem(Server server) =>
        s_problems.GetOrAdd(server, s => new Lazy<string?>(() => Probe(Settings, s))).Value;

    /// <summary>
    /// Checks every address of <paramref name="server"/> now (no caching) and returns null when all
    /// accept connections, or a message saying which did not and how to start it.
    /// </summary>
    public static string? Probe(TestServerSettings settings, Server server)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var address in settings.AddressesOf(server))
        {
            var failure = TryConnect(address, s_probeTimeout);
            if (failure is not null)
            {
                return $"{settings.Describe(server)} is not reachable: {address} {failure}; {StartHint}.";
            }
        }

        return null;
    }

    /// <summary>
    /// Throws <see cref="TestServerUnavailableException"/> when <paramref name="server"/> is not
    /// reachable. For code paths that cannot use <see cref="ServerFactAttribute"/> (fixtures).
    /// </summary>
    public static void EnsureReachable(Server server)
    {
        var problem = GetProblem(server);
        if (problem is not null)
        {
            throw new TestServerUnavailableException(problem);
        }
    }

    /// <summary>
    /// For tests marked <see cref="SkippableFactAttribute"/>/<see cref="SkippableTheoryAttribute"/>
    /// that decide at run time which server they need (contract tests): returns when
    /// <paramref name="server"/> is reachable; otherwise skips the test with the reason, or, when
    /// <c>MAILMESH_TEST_SERVERS=required</c>, fails it with <see cref="TestServerUnavailableException"/>.
    /// </summary>
    public static void Require(Server server)
    {
        var problem = GetProblem(server);
        if (problem is null)
        {
            return;
        }

        if (Required)
        {
            throw new TestServerUnavailableException(problem + " (MAILMESH_TEST_SERVERS=required, so this fails instead of being skipped.)");
        }

        Skip.If(true, problem);
    }

    private static string? TryConnect(HostPort address, TimeSpan timeout)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            client.ConnectAsync(address.Host, address.Port, cts.Token).AsTask().GetAwaiter().GetResult();
            return null;
        }
        catch (OperationCanceledException)
        {
            return $"did not accept a connection within {timeout.TotalSeconds:0} s";
        }
        catch (SocketException e)
        {
            return $"refused the connection ({e.SocketErrorCode})";
        }
    }
}

/// <summary>A test server that a test needs is not reachable.</summary>
public sealed class TestServerUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TestServerUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message naming the server and how to start it.</summary>
    public TestServerUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public TestServerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
