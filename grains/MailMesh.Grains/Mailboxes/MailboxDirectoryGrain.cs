using MailMesh.Runtime;

namespace MailMesh.Grains.Mailboxes;

/// <summary>The names of a tenant's mailboxes, kept sorted (see docs/adr/0002-mailbox-directory-grain.md).</summary>
public sealed class MailboxDirectoryGrain([PersistentState("directory")] IPersistentState<MailboxDirectoryState> state)
    : Grain, IMailboxDirectoryGrain
{
    /// <summary>Largest page a listing returns.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The directory grain's key for <paramref name="tenant"/>.</summary>
    public static string KeyFor(string tenant) => tenant + "/mailboxes";

    /// <inheritdoc />
    public async Task Register(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var names = state.State.Names;
        var index = names.BinarySearch(name, StringComparer.Ordinal);
        if (index >= 0)
        {
            return;
        }

        names.Insert(~index, name);
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task Unregister(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var index = state.State.Names.BinarySearch(name, StringComparer.Ordinal);
        if (index >= 0)
        {
            state.State.Names.RemoveAt(index);
            await state.WriteStateAsync();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> List(string? after, int limit)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"page_size must be 1-{MaxPageSize}.");
        }

        var names = state.State.Names;
        var start = 0;
        if (!string.IsNullOrEmpty(after))
        {
            var index = names.BinarySearch(after, StringComparer.Ordinal);
            start = index >= 0 ? index + 1 : ~index;
        }

        IReadOnlyList<string> page = names.GetRange(start, Math.Min(limit, names.Count - start));
        return Task.FromResult(page);
    }
}

/// <summary>What a mailbox directory persists.</summary>
public sealed class MailboxDirectoryState
{
    /// <summary>Mailbox names in ordinal order.</summary>
    public List<string> Names { get; set; } = [];
}
