using System.Globalization;

namespace MailMesh.Protocols.Pop3;

/// <summary>Transaction commands: STAT, LIST, UIDL, TOP, RETR, DELE, RSET, NOOP, QUIT.</summary>
public sealed partial class Pop3Client
{
    /// <summary>STAT: message count and total size.</summary>
    public async Task<Pop3Stat> StatAsync(CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("STAT", Pop3SessionState.Transaction);
        var text = await CommandAsync("STAT", "STAT", cancellationToken).ConfigureAwait(false);
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var count) ||
            !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw Break(Pop3ProtocolException.Malformed($"STAT replied '+OK {text}' instead of '+OK count size'"));
        }

        return new Pop3Stat(count, size);
    }

    /// <summary>LIST: every message's number and size.</summary>
    public async Task<IReadOnlyList<Pop3MessageInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("LIST", Pop3SessionState.Transaction);
        var lines = await MultiLineCommandAsync("LIST", "LIST", cancellationToken).ConfigureAwait(false);
        var result = new List<Pop3MessageInfo>(lines.Count);
        foreach (var line in lines)
        {
            var (number, rest) = SplitNumber(line, "LIST");
            result.Add(new Pop3MessageInfo(number, ParseSize(rest, "LIST")));
        }

        return result;
    }

    /// <summary>UIDL: every message's number and unique id.</summary>
    public async Task<IReadOnlyList<Pop3MessageUid>> UidlAsync(CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("UIDL", Pop3SessionState.Transaction);
        var lines = await MultiLineCommandAsync("UIDL", "UIDL", cancellationToken).ConfigureAwait(false);
        var result = new List<Pop3MessageUid>(lines.Count);
        foreach (var line in lines)
        {
            var (number, uid) = SplitNumber(line, "UIDL");
            result.Add(new Pop3MessageUid(number, uid.Trim()));
        }

        return result;
    }

    /// <summary>RETR one message, streamed dot-unstuffed to <paramref name="destination"/>; returns the bytes written.</summary>
    public async Task<long> RetrieveAsync(int number, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        CheckNumber(number);
        using var scope = BeginOperation("RETR", Pop3SessionState.Transaction);
        return await StreamCommandAsync("RETR " + number.ToString(CultureInfo.InvariantCulture), "RETR", destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// RETR many messages; pipelined (up to <see cref="Pop3ClientOptions.MaxPipelinedCommands"/> in flight)
    /// when the server offers PIPELINING. A message the server refuses does not stop the others; the first
    /// refusal is thrown at the end.
    /// </summary>
    public async Task RetrieveAsync(IReadOnlyList<int> numbers, IPop3RetrieveSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        ArgumentNullException.ThrowIfNull(sink);
        foreach (var number in numbers)
        {
            CheckNumber(number);
        }

        using var scope = BeginOperation("RETR", Pop3SessionState.Transaction);
        await PipelineAsync(numbers, n => "RETR " + n.ToString(CultureInfo.InvariantCulture), "RETR", async (n, token) =>
        {
            var stream = await sink.OpenAsync(n, token).ConfigureAwait(false);
            var length = await _reader!.ReadMultilineAsync(stream, token).ConfigureAwait(false);
            await sink.CompletedAsync(n, stream, length, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>TOP: the header and the first <paramref name="lines"/> body lines, streamed to <paramref name="destination"/>.</summary>
    public async Task<long> TopAsync(int number, int lines, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        CheckNumber(number);
        ArgumentOutOfRangeException.ThrowIfNegative(lines);
        using var scope = BeginOperation("TOP", Pop3SessionState.Transaction);
        return await StreamCommandAsync(
            "TOP " + number.ToString(CultureInfo.InvariantCulture) + " " + lines.ToString(CultureInfo.InvariantCulture), "TOP", destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>DELE: marks a message for deletion; it is removed when <see cref="QuitAsync"/> succeeds.</summary>
    public Task DeleteAsync(int number, CancellationToken cancellationToken = default) => DeleteAsync([number], cancellationToken);

    /// <summary>DELE many messages (pipelined when the server offers PIPELINING).</summary>
    public async Task DeleteAsync(IReadOnlyList<int> numbers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        foreach (var number in numbers)
        {
            CheckNumber(number);
        }

        using var scope = BeginOperation("DELE", Pop3SessionState.Transaction);
        await PipelineAsync(numbers, n => "DELE " + n.ToString(CultureInfo.InvariantCulture), "DELE", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>RSET: unmarks every message marked for deletion.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("RSET", Pop3SessionState.Transaction);
        await CommandAsync("RSET", "RSET", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>NOOP: keeps the connection alive.</summary>
    public async Task NoopAsync(CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("NOOP", Pop3SessionState.Transaction);
        await CommandAsync("NOOP", "NOOP", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>QUIT: commits deletions (UPDATE state) and closes the connection.</summary>
    public async Task QuitAsync(CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("QUIT", Pop3SessionState.Authorization, Pop3SessionState.Transaction);
        await CommandAsync("QUIT", "QUIT", cancellationToken).ConfigureAwait(false);
        CloseTransport();
        State = Pop3SessionState.Disconnected;
    }

    private Task<List<string>> MultiLineCommandAsync(string line, string name, CancellationToken cancellationToken) =>
        RunAsync(async token =>
        {
            await WriteLineAsync(line, token).ConfigureAwait(false);
            await ReadStatusAsync(name, false, token).ConfigureAwait(false);
            return await ReadLinesAsync(token).ConfigureAwait(false);
        }, cancellationToken, command: name);

    private Task<long> StreamCommandAsync(string line, string name, Stream destination, CancellationToken cancellationToken) =>
        RunAsync(async token =>
        {
            await WriteLineAsync(line, token).ConfigureAwait(false);
            await ReadStatusAsync(name, false, token).ConfigureAwait(false);
            return await _reader!.ReadMultilineAsync(destination, token).ConfigureAwait(false);
        }, cancellationToken, command: name);

    /// <summary>Sends one command per number, windowed when PIPELINING is offered, and reads the replies in order.</summary>
    private Task PipelineAsync(
        IReadOnlyList<int> numbers, Func<int, string> line, string name, Func<int, CancellationToken, Task>? readBody, CancellationToken cancellationToken) =>
        RunAsync(async token =>
        {
            var window = Capabilities.Pipelining ? _options.MaxPipelinedCommands : 1;
            Pop3CommandException? firstError = null;
            var sent = 0;
            for (var done = 0; done < numbers.Count; done++)
            {
                if (sent < numbers.Count && sent - done < window)
                {
                    var batch = new System.Text.StringBuilder();
                    while (sent < numbers.Count && sent - done < window)
                    {
                        batch.Append(line(numbers[sent++])).Append("\r\n");
                    }

                    var bytes = System.Text.Encoding.ASCII.GetBytes(batch.ToString());
                    await _stream!.WriteAsync(bytes, token).ConfigureAwait(false);
                    await _stream.FlushAsync(token).ConfigureAwait(false);
                }

                try
                {
                    await ReadStatusAsync(name, false, token).ConfigureAwait(false);
                }
                catch (Pop3CommandException e)
                {
                    firstError ??= e;
                    continue;
                }

                if (readBody is not null)
                {
                    await readBody(numbers[done], token).ConfigureAwait(false);
                }
            }

            return firstError is null ? true : throw firstError;
        }, cancellationToken);

    private static void CheckNumber(int number) =>
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1, nameof(number));

    private (int Number, string Value) SplitNumber(string line, string command)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !int.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw Break(Pop3ProtocolException.Malformed($"a {command} line is '{line}' instead of 'number value'"));
        }

        return (number, line[(space + 1)..]);
    }

    private long ParseSize(string text, string command) =>
        long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            ? size
            : throw Break(Pop3ProtocolException.Malformed($"a {command} size is '{text}' instead of a number"));
}
