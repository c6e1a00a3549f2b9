using System.Globalization;
using System.Net.Sockets;
using System.Text;
using MailMesh.Mime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailMesh.Rules.Spam;

/// <summary>Where SpamAssassin's spamd listens.</summary>
public sealed class SpamdOptions
{
    /// <summary>Host (loopback or a trusted network: the protocol has no encryption).</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Port (spamd's default is 783).</summary>
    public int Port { get; set; } = 783;

    /// <summary>The user whose preferences spamd applies (optional).</summary>
    public string? User { get; set; }

    /// <summary>Time allowed for one check, connect included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Larger messages are not sent to spamd (spamc's default limit is 500 KB); they score as not tested.</summary>
    public int MaxMessageSize { get; set; } = 512 * 1024;
}

/// <summary>
/// Scores through SpamAssassin's spamd (the SPAMC/1.5 protocol: one <c>SYMBOLS</c> request per connection,
/// a <c>Spam: True ; 15.2 / 5.0</c> reply header and the names of the rules that fired). A spamd that cannot be
/// reached or answers with an error yields "not tested" and a warning, never an exception.
/// </summary>
public sealed partial class SpamdScorer(SpamdOptions options, ILogger<SpamdScorer>? logger = null, TimeProvider? timeProvider = null) : ISpamScorer
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <inheritdoc />
    public async ValueTask<SpamScore?> ScoreAsync(ReadOnlyMemory<byte> message, MimeMessage parsed, CancellationToken cancellationToken = default)
    {
        if (message.Length > options.MaxMessageSize)
        {
            return null;
        }

        try
        {
            return await CheckAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or InvalidDataException)
        {
            LogFailed(_logger, options.Host, options.Port, e.Message);
            return null;
        }
    }

    /// <summary>One SYMBOLS request; throws <see cref="InvalidDataException"/> when spamd's answer is not understood.</summary>
    internal async Task<SpamScore> CheckAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(options.Host, options.Port, linked.Token).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var request = new StringBuilder("SYMBOLS SPAMC/1.5\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-length: {message.Length}\r\n");
        if (!string.IsNullOrEmpty(options.User))
        {
            request.Append("User: ").Append(options.User).Append("\r\n");
        }

        request.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), linked.Token).ConfigureAwait(false);
        await stream.WriteAsync(message, linked.Token).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Send);

        using var response = new MemoryStream();
        await stream.CopyToAsync(response, linked.Token).ConfigureAwait(false);
        return Parse(Encoding.UTF8.GetString(response.GetBuffer(), 0, (int)response.Length));
    }

    /// <summary>Reads a spamd response.</summary>
    internal static SpamScore Parse(string response)
    {
        var headerEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = headerEnd < 0 ? response : response[..headerEnd];
        var body = headerEnd < 0 ? string.Empty : response[(headerEnd + 4)..];
        var lines = head.Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !status[0].StartsWith("SPAMD/", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"spamd answered '{Shorten(lines[0])}' instead of a SPAMD/1.x status line.");
        }

        if (status[1] != "0")
        {
            throw new InvalidDataException($"spamd refused the check: {lines[0]}");
        }

        var spam = lines.Skip(1).FirstOrDefault(l => l.StartsWith("Spam:", StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidDataException("spamd's answer has no Spam: header.");
        // "Spam: True ; 15.2 / 5.0"
        var semicolon = spam.IndexOf(';', StringComparison.Ordinal);
        var slash = spam.IndexOf('/', StringComparison.Ordinal);
        if (semicolon < 0 || slash < semicolon
            || !double.TryParse(spam[(semicolon + 1)..slash].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var score)
            || !double.TryParse(spam[(slash + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold))
        {
            throw new InvalidDataException($"spamd's '{Shorten(spam)}' is not of the form 'Spam: True ; score / threshold'.");
        }

        var rules = body.Split([',', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new SpamScore(score, threshold, "spamd", rules);
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "..." : text;

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "spamd at {Host}:{Port} could not score a message ({Reason}); spamtest reports it as not tested")]
    private static partial void LogFailed(ILogger logger, string host, int port, string reason);
}
