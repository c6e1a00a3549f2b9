using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailMesh.Mailboxes.Tests.Support;

/// <summary>A small in-memory IMAP server at the socket level (one INBOX, no CONDSTORE/QRESYNC), for failures
/// Dovecot will not produce on demand: <see cref="Hostile"/> replaces the FETCH answer for a UID with any bytes
/// (and may close the connection). Every connection is served; the mailbox sync connects once per run.</summary>
public sealed class FakeImapServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private readonly object _gate = new();

    public FakeImapServer(string capabilities = "IMAP4rev1 LITERAL+ UIDPLUS")
    {
        Capabilities = capabilities;
        _listener.Start();
        _accept = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Capabilities { get; }

    public uint UidValidity { get; set; } = 7;

    /// <summary>Messages of the INBOX by UID: flags and raw bytes.</summary>
    public SortedDictionary<uint, (string Flags, byte[] Raw)> Messages { get; } = [];

    /// <summary>Answer to a UID FETCH of a UID instead of the message (null: answer normally). Closes the connection
    /// after sending when <c>Close</c> is true; otherwise the server stops answering that connection.</summary>
    public Func<uint, (byte[] Bytes, bool Close)?>? Hostile { get; set; }

    /// <summary>Checks an AUTHENTICATE XOAUTH2 initial response (decoded); null accepts LOGIN only.</summary>
    public Func<string, bool>? XOAuth2 { get; set; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections { get; private set; }

    public void Add(uint uid, byte[] raw, string flags = "")
    {
        lock (_gate)
        {
            Messages[uid] = (flags, raw);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping the listener ends the accept loop.
            _ = e;
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            Connections++;
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using (socket)
        await using (var stream = new NetworkStream(socket, ownsSocket: false))
        {
            try
            {
                await SessionAsync(stream);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The client went away or the test ended.
                _ = e;
            }
        }
    }

    private async Task SessionAsync(NetworkStream stream)
    {
        var reader = new StreamReader(stream, Encoding.Latin1);
        await SendAsync(stream, $"* OK [CAPABILITY {Capabilities}] fake ready\r\n");
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            var parts = line.Split(' ', 3);
            var tag = parts[0];
            var verb = parts.Length > 1 ? parts[1].ToUpperInvariant() : "";
            var rest = parts.Length > 2 ? parts[2] : "";
            if (verb == "UID")
            {
                var sub = rest.Split(' ', 2);
                verb = "UID " + sub[0].ToUpperInvariant();
                rest = sub.Length > 1 ? sub[1] : "";
            }

            switch (verb)
            {
                case "CAPABILITY":
                    await SendAsync(stream, $"* CAPABILITY {Capabilities}\r\n{tag} OK done\r\n");
                    break;
                case "LOGIN":
                    await SendAsync(stream, XOAuth2 is null ? $"{tag} OK [CAPABILITY {Capabilities}] logged in\r\n" : $"{tag} NO [AUTHENTICATIONFAILED] use XOAUTH2\r\n");
                    break;
                case "AUTHENTICATE":
                    var initial = rest.Split(' ').ElementAtOrDefault(1) ?? "";
                    var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(initial));
                    await SendAsync(stream, XOAuth2?.Invoke(decoded) == true
                        ? $"{tag} OK [CAPABILITY {Capabilities}] authenticated\r\n"
                        : $"{tag} NO [AUTHENTICATIONFAILED] invalid token\r\n");
                    break;
                case "LIST":
                    await SendAsync(stream, $"* LIST (\\HasNoChildren) \"/\" INBOX\r\n{tag} OK done\r\n");
                    break;
                case "STATUS":
                    await SendAsync(stream, $"* STATUS INBOX (UIDVALIDITY {UidValidity} MESSAGES {Snapshot().Count})\r\n{tag} OK done\r\n");
                    break;
                case "SELECT" or "EXAMINE":
                    var all = Snapshot();
                    var next = all.Count == 0 ? 1 : all[^1].Uid + 1;
                    await SendAsync(stream, $"* {all.Count} EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen \\Flagged \\Deleted \\Answered \\Draft)\r\n" +
                        $"* OK [UIDVALIDITY {UidValidity}] ok\r\n* OK [UIDNEXT {next}] ok\r\n{tag} OK [READ-ONLY] done\r\n");
                    break;
                case "UID SEARCH":
                    var found = Snapshot().Select(m => m.Uid).Where(Matcher(rest.Split(' ').Last())).ToList();
                    await SendAsync(stream, $"* SEARCH {string.Join(' ', found)}\r\n{tag} OK done\r\n");
                    break;
                case "UID FETCH":
                    if (!await FetchAsync(stream, tag, rest))
                    {
                        return;
                    }

                    break;
                case "LOGOUT":
                    await SendAsync(stream, $"* BYE bye\r\n{tag} OK done\r\n");
                    return;
                default:
                    await SendAsync(stream, $"{tag} OK done\r\n");
                    break;
            }
        }
    }

    /// <summary>Answers UID FETCH; false when a hostile answer ended the session.</summary>
    private async Task<bool> FetchAsync(NetworkStream stream, string tag, string arguments)
    {
        var set = arguments.Split(' ', 2)[0];
        var items = arguments.ToUpperInvariant();
        var matches = Matcher(set);
        var sequence = 0;
        foreach (var (uid, flags, raw) in Snapshot())
        {
            sequence++;
            if (!matches(uid))
            {
                continue;
            }

            if (Hostile?.Invoke(uid) is { } hostile)
            {
                await stream.WriteAsync(hostile.Bytes, _stop.Token);
                if (hostile.Close)
                {
                    return false;
                }

                // Leave the client waiting: it must give up on its own (bounded literal, timeout).
                await Task.Delay(Timeout.Infinite, _stop.Token);
            }

            var response = new StringBuilder($"* {sequence} FETCH (UID {uid.ToString(CultureInfo.InvariantCulture)}");
            if (items.Contains("FLAGS", StringComparison.Ordinal))
            {
                response.Append(" FLAGS (").Append(flags).Append(')');
            }

            if (items.Contains("RFC822.SIZE", StringComparison.Ordinal))
            {
                response.Append(" RFC822.SIZE ").Append(raw.Length);
            }

            if (items.Contains("BODY.PEEK[]", StringComparison.Ordinal))
            {
                response.Append(" BODY[] {").Append(raw.Length).Append("}\r\n");
                await SendAsync(stream, response.ToString());
                await stream.WriteAsync(raw, _stop.Token);
                response.Clear();
            }

            await SendAsync(stream, response.Append(")\r\n").ToString());
        }

        await SendAsync(stream, $"{tag} OK done\r\n");
        return true;
    }

    private List<(uint Uid, string Flags, byte[] Raw)> Snapshot()
    {
        lock (_gate)
        {
            return Messages.Select(m => (m.Key, m.Value.Flags, m.Value.Raw)).ToList();
        }
    }

    /// <summary>A UID set such as <c>1</c>, <c>2:5</c>, <c>3:*</c> or <c>1,4:6</c>.</summary>
    private static Func<uint, bool> Matcher(string set)
    {
        var ranges = set.Split(',').Select(part =>
        {
            var bounds = part.Split(':');
            var low = bounds[0] == "*" ? uint.MaxValue : uint.Parse(bounds[0], CultureInfo.InvariantCulture);
            var high = bounds.Length == 1 ? low : bounds[1] == "*" ? uint.MaxValue : uint.Parse(bounds[1], CultureInfo.InvariantCulture);
            return (Low: Math.Min(low, high), High: Math.Max(low, high));
        }).ToList();
        return uid => ranges.Any(r => uid >= r.Low && uid <= r.High);
    }

    private Task SendAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.Latin1.GetBytes(text), _stop.Token).AsTask();
}
