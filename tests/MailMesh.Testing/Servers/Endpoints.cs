using System.Security.Cryptography.X509Certificates;

namespace MailMesh.Testing;

/// <summary>A host and TCP port.</summary>
/// <param name="Host">Host name or address.</param>
/// <param name="Port">TCP port.</param>
public sealed record HostPort(string Host, int Port)
{
    /// <inheritdoc />
    public override string ToString() => $"{Host}:{Port}";
}

/// <summary>PostgreSQL for tests.</summary>
/// <param name="ConnectionString">Npgsql connection string (database <c>maildb</c>, user <c>mailtest</c>, who may create databases).</param>
/// <param name="Address">Where the server listens, parsed from the connection string.</param>
public sealed record PostgresEndpoint(string ConnectionString, HostPort Address);

/// <summary>RabbitMQ for tests.</summary>
/// <param name="Uri">AMQP URI with user, password and virtual host.</param>
public sealed record RabbitMqEndpoint(Uri Uri)
{
    /// <summary>Where the broker listens.</summary>
    public HostPort Address => new(Uri.Host, Uri.IsDefaultPort || Uri.Port < 0 ? 5672 : Uri.Port);
}

/// <summary>A mailbox user known to the test Dovecot.</summary>
/// <param name="Address">Login name (an e-mail address).</param>
/// <param name="Password">Plain-text password.</param>
public sealed record MailUser(string Address, string Password);

/// <summary>Dovecot for tests: IMAP (plain port), IMAPS, POP3 and LMTP on one host.</summary>
/// <param name="Host">Host the listeners are bound to.</param>
/// <param name="ImapPort">IMAP without TLS (STARTTLS offered).</param>
/// <param name="ImapsPort">IMAP over implicit TLS.</param>
/// <param name="Pop3Port">POP3 without TLS (STLS offered).</param>
/// <param name="LmtpPort">LMTP, to deliver messages into the users' mailboxes.</param>
/// <param name="CaCertificatePath">PEM file of the CA that signed the server certificate (trust it to validate IMAPS).</param>
/// <param name="MailRoot">Directory holding one home directory per user (<c>MAILROOT/alice@example.test/Maildir</c>), owned by the <c>vmail</c> user.</param>
/// <param name="Users">The users that can log in.</param>
public sealed record DovecotEndpoint(
    string Host,
    int ImapPort,
    int ImapsPort,
    int Pop3Port,
    int LmtpPort,
    string CaCertificatePath,
    string MailRoot,
    IReadOnlyList<MailUser> Users)
{
    /// <summary>The first user (<c>alice@example.test</c> by default).</summary>
    public MailUser Alice => Users[0];

    /// <summary>The second user (<c>bob@example.test</c> by default).</summary>
    public MailUser Bob => Users.Count > 1 ? Users[1] : throw new InvalidOperationException("MAILMESH_TEST_IMAP_USERS names only one user; tests need two (alice and bob).");

    /// <summary>
    /// The third user (<c>carol@example.test</c> by default), reserved for the test servers' own
    /// smoke tests, which deliver mail to her; project tests use <see cref="Alice"/> and <see cref="Bob"/>.
    /// </summary>
    public MailUser Carol => Users.Count > 2 ? Users[2] : throw new InvalidOperationException("MAILMESH_TEST_IMAP_USERS names fewer than three users; the smoke tests need carol.");

    /// <summary>The IMAP (plain) address.</summary>
    public HostPort Imap => new(Host, ImapPort);

    /// <summary>The IMAPS address.</summary>
    public HostPort Imaps => new(Host, ImapsPort);

    /// <summary>The POP3 address.</summary>
    public HostPort Pop3 => new(Host, Pop3Port);

    /// <summary>The LMTP address.</summary>
    public HostPort Lmtp => new(Host, LmtpPort);

    /// <summary>Loads the test CA certificate (add it to a custom trust store to validate IMAPS).</summary>
    /// <exception cref="FileNotFoundException">The file is missing: the servers were not started by <c>scripts/test-servers.sh</c>, or MAILMESH_TEST_IMAP_CA_CERT is wrong.</exception>
    public X509Certificate2 LoadCaCertificate() =>
        File.Exists(CaCertificatePath)
            ? X509Certificate2.CreateFromPem(File.ReadAllText(CaCertificatePath))
            : throw new FileNotFoundException($"The test CA certificate {CaCertificatePath} does not exist (MAILMESH_TEST_IMAP_CA_CERT); start the servers with `scripts/test-servers.sh up`.", CaCertificatePath);

    /// <summary>The Maildir of <paramref name="user"/>.</summary>
    public string MaildirOf(MailUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Path.Combine(MailRoot, user.Address, "Maildir");
    }
}

/// <summary>The SMTP server that keeps messages: each accepted message becomes a file in <see cref="NewMessagesDirectory"/>.</summary>
/// <param name="Address">Where it listens.</param>
/// <param name="Directory">Its Maildir: <c>new/</c> holds the messages, <c>envelopes/</c> a JSON envelope per message (same file name + <c>.json</c>).</param>
public sealed record SmtpCaptureEndpoint(HostPort Address, string Directory)
{
    /// <summary>Directory where complete messages appear (written to <c>tmp/</c>, then renamed).</summary>
    public string NewMessagesDirectory => Path.Combine(Directory, "new");

    /// <summary>Directory with one JSON envelope (<c>mail_from</c>, <c>rcpt_tos</c>, <c>helo</c>, <c>peer</c>, <c>size</c>) per message.</summary>
    public string EnvelopesDirectory => Path.Combine(Directory, "envelopes");
}

/// <summary>Azurite's blob service.</summary>
/// <param name="BlobEndpoint">Path-style endpoint including the account, e.g. <c>http://127.0.0.1:20000/devstoreaccount1</c>.
/// With path-style URLs the SharedKey canonicalized resource names the account twice: <c>/devstoreaccount1/devstoreaccount1/container/blob</c>.</param>
/// <param name="AccountName">Storage account name.</param>
/// <param name="AccountKey">Base64 account key.</param>
public sealed record AzuriteEndpoint(Uri BlobEndpoint, string AccountName, string AccountKey)
{
    /// <summary>Where the blob service listens.</summary>
    public HostPort Address => new(BlobEndpoint.Host, BlobEndpoint.Port);
}
