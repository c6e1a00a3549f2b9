using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Import;

public sealed partial class ContactImportGrain
{
    /// <summary>What an issue says in place of the address once the person was erased.</summary>
    public const string RedactedText = "(redacted: the person asked to be erased)";

    /// <inheritdoc />
    public Task<IReadOnlyList<ImportIssue>> IssuesAbout(string address)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        RequireImport();
        IReadOnlyList<ImportIssue> found = state.State.Issues.Where(i => Names(i, address)).ToArray();
        return Task.FromResult(found);
    }

    /// <inheritdoc />
    public async Task<int> RedactAddress(string address)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        RequireImport();
        var issues = state.State.Issues;
        var redacted = 0;
        for (var i = 0; i < issues.Count; i++)
        {
            if (Names(issues[i], address))
            {
                issues[i] = issues[i] with { Address = null, Message = RedactedText };
                redacted++;
            }
        }

        if (redacted > 0)
        {
            await state.WriteStateAsync();
        }

        return redacted;
    }

    /// <summary>Whether an issue names the address: its address cell is a form of it, or its message quotes it.</summary>
    private static bool Names(ImportIssue issue, string address) =>
        (issue.Address is { } cell && (string.Equals(cell.Trim(), address, StringComparison.OrdinalIgnoreCase) || ContactAddress.Check(cell).Normalized == address))
        || issue.Message.Contains(address, StringComparison.OrdinalIgnoreCase);
}
