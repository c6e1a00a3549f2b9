using MailMesh.Grains.Mailboxes;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;
using MailMesh.Testing;

namespace MailMesh.EndToEnd.Tests.Support;

/// <summary>A folder of its own in the test Dovecot (user alice), deleted at the end: mail is delivered into it with
/// IMAP APPEND, as the bounce domain's MTA would have stored it, and a MailMesh mailbox syncs it over IMAP.</summary>
public sealed class DovecotFolder : IAsyncDisposable
{
    private readonly ImapClient _client;

    private DovecotFolder(ImapClient client, MailUser user, string name)
    {
        _client = client;
        User = user;
        Name = name;
    }

    public MailUser User { get; }

    public string Name { get; }

    /// <summary>The IMAP source that syncs this folder: plain IMAP on loopback, polled hourly (a test asks for each sync),
    /// no IDLE.</summary>
    public MailboxSource Source
    {
        get
        {
            var dovecot = TestServers.Dovecot;
            return new MailboxSource(SourceProtocol.Imap, dovecot.Host, dovecot.ImapPort, SourceTls.None, User.Address, Password: User.Password,
                Folders: [Name], PollInterval: TimeSpan.FromHours(1), UseIdle: false);
        }
    }

    public static async Task<DovecotFolder> CreateAsync()
    {
        var dovecot = TestServers.Dovecot;
        var client = new ImapClient(new ImapClientOptions { Host = dovecot.Host, Port = dovecot.ImapPort, Tls = TlsMode.None, CommandTimeout = TimeSpan.FromSeconds(60) });
        try
        {
            await client.ConnectAsync();
            await client.AuthenticateAsync(dovecot.Alice.Address, dovecot.Alice.Password);
            var name = "mme2e-bounces-" + Guid.NewGuid().ToString("N")[..12];
            await client.CreateMailboxAsync(name);
            return new DovecotFolder(client, dovecot.Alice, name);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stores <paramref name="message"/> in the folder.</summary>
    public Task AppendAsync(byte[] message) => _client.AppendAsync(Name, message);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _client.DeleteMailboxAsync(Name);
        }
        finally
        {
            await _client.DisposeAsync();
        }
    }
}
