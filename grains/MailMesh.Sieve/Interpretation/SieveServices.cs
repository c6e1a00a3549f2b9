namespace MailMesh.Sieve.Interpretation;

/// <summary>Remembers vacation replies so one sender gets at most one per period (RFC 5230 :days).</summary>
public interface IVacationTracker
{
    /// <summary>True when <paramref name="sender"/> got a reply for <paramref name="handle"/> within the period ending now.</summary>
    bool HasReplied(string handle, string sender, DateTimeOffset now);

    /// <summary>Records a reply sent at <paramref name="now"/>, to be remembered for <paramref name="period"/>.</summary>
    void Record(string handle, string sender, TimeSpan period, DateTimeOffset now);
}

/// <summary>Remembers message ids for the duplicate test (RFC 7352).</summary>
public interface IDuplicateTracker
{
    /// <summary>True when <paramref name="key"/> was recorded and has not expired.</summary>
    bool Contains(string key, DateTimeOffset now);

    /// <summary>Records <paramref name="key"/> until <paramref name="now"/> + <paramref name="expiry"/>.</summary>
    void Record(string key, TimeSpan expiry, DateTimeOffset now);
}

/// <summary>Where <c>include</c> finds scripts (RFC 6609).</summary>
public enum SieveScriptLocation
{
    /// <summary>The user's own scripts.</summary>
    Personal,

    /// <summary>Scripts shared by the administrator.</summary>
    Global,
}

/// <summary>Finds scripts for <c>include</c>; returns the source, or null when there is no such script.</summary>
public interface ISieveScriptResolver
{
    /// <summary>The source of <paramref name="name"/> at <paramref name="location"/>, or null.</summary>
    string? Resolve(string name, SieveScriptLocation location);
}

/// <summary>Answers <c>mailboxexists</c> (RFC 5490).</summary>
public interface IMailboxCatalog
{
    /// <summary>True when the mailbox exists and messages can be filed into it.</summary>
    bool Exists(string mailbox);
}

/// <summary>In-memory vacation memory (tests, single process). Thread-safe.</summary>
public sealed class InMemoryVacationTracker : IVacationTracker
{
    private readonly Dictionary<(string, string), DateTimeOffset> _until = [];
    private readonly Lock _lock = new();

    /// <inheritdoc />
    public bool HasReplied(string handle, string sender, DateTimeOffset now)
    {
        lock (_lock)
        {
            return _until.TryGetValue((handle, sender.ToLowerInvariant()), out var until) && until > now;
        }
    }

    /// <inheritdoc />
    public void Record(string handle, string sender, TimeSpan period, DateTimeOffset now)
    {
        lock (_lock)
        {
            _until[(handle, sender.ToLowerInvariant())] = now + period;
        }
    }
}

/// <summary>In-memory duplicate memory (tests, single process). Thread-safe.</summary>
public sealed class InMemoryDuplicateTracker : IDuplicateTracker
{
    private readonly Dictionary<string, DateTimeOffset> _until = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <inheritdoc />
    public bool Contains(string key, DateTimeOffset now)
    {
        lock (_lock)
        {
            return _until.TryGetValue(key, out var until) && until > now;
        }
    }

    /// <inheritdoc />
    public void Record(string key, TimeSpan expiry, DateTimeOffset now)
    {
        lock (_lock)
        {
            _until[key] = now + expiry;
        }
    }
}
