using System.Text;
using MailMesh.Grains.Mailboxes;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests.Support;

/// <summary>The Dovecot tests share users and a per-user connection limit: they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DovecotCollection
{
    public const string Name = "Mailbox sync against Dovecot";
}

/// <summary>Direct access to a Dovecot test user, to change the server side behind a syncing mailbox. Every test
/// uses its own uniquely named folders, so parallel runs and other test projects do not collide.</summary>
public sealed class DovecotAccount : IAsyncDisposable
{
    private readonly ImapClient _client;

    private DovecotAccount(MailUser user, ImapClient client)
    {
        User = user;
        _client = client;
    }

    public static DovecotEndpoint Server => TestServers.Dovecot;

    public MailUser User { get; }

    public ImapClient Client => _client;

    public static async Task<DovecotAccount> OpenAsync(MailUser? user = null)
    {
        user ??= Server.Alice;
        var client = new ImapClient(new ImapClientOptions { Host = Server.Host, Port = Server.ImapPort, Tls = TlsMode.None, CommandTimeout = TimeSpan.FromSeconds(30) });
        await client.ConnectAsync();
        await client.AuthenticateAsync(user.Address, user.Password);
        return new DovecotAccount(user, client);
    }

    /// <summary>A fresh folder name unique to one test.</summary>
    public static string NewFolderName() => "mmsync-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The source for <see cref="User"/> over plain IMAP, syncing the folders given (prefix patterns allowed).</summary>
    public MailboxSource Source(params string[] folders) => SourceFor(User, User.Password, Server.ImapPort, folders);

    public static MailboxSource SourceFor(MailUser user, string password, int port, string[] folders, SourceTls tls = SourceTls.None, string host = "127.0.0.1") =>
        new(SourceProtocol.Imap, host, port, tls, user.Address, Password: password, Folders: folders, PollInterval: TimeSpan.FromHours(1), UseIdle: false);

    public Task CreateFolderAsync(string folder) => _client.CreateMailboxAsync(folder);

    /// <summary>Creates a folder under a fresh name (<see cref="NewFolderName"/>); returns the name.</summary>
    public async Task<string> CreateNewFolderAsync()
    {
        var folder = NewFolderName();
        await CreateFolderAsync(folder);
        return folder;
    }

    /// <summary>Appends <paramref name="count"/> messages numbered from <paramref name="first"/>; returns their Message-IDs.</summary>
    public async Task<IReadOnlyList<string>> AppendAsync(string folder, int first, int count, string tag, int bodyBytes = 200)
    {
        var ids = new List<string>();
        for (var i = first; i < first + count; i++)
        {
            var id = $"{tag}.{i}@sync.test";
            ids.Add(id);
            await _client.AppendAsync(folder, Message(id, $"{tag} message {i}", bodyBytes));
        }

        return ids;
    }

    public static byte[] Message(string messageId, string subject, int bodyBytes = 200)
    {
        var body = new StringBuilder();
        while (body.Length < bodyBytes)
        {
            body.Append("Line of body text for the sync tests, number ").Append(body.Length).Append(".\r\n");
        }

        return Encoding.ASCII.GetBytes(
            $"From: Sender <sender@example.test>\r\nTo: alice@example.test\r\nSubject: {subject}\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n" +
            $"Message-ID: <{messageId}>\r\nReferences: <root.{messageId}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n{body}");
    }

    public async ValueTask DisposeAsync() => await _client.DisposeAsync();
}
