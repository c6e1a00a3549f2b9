namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>Which folders a source syncs: all when the list is empty; otherwise names matched exactly (INBOX
/// case-insensitively) or, for an entry ending in <c>*</c>, by prefix.</summary>
internal static class FolderFilter
{
    public static bool Matches(IReadOnlyList<string> filter, string folder)
    {
        if (filter.Count == 0)
        {
            return true;
        }

        foreach (var entry in filter)
        {
            var matched = entry.EndsWith('*')
                ? folder.StartsWith(entry[..^1], StringComparison.Ordinal)
                : entry.Equals(folder, StringComparison.Ordinal)
                  || (entry.Equals("INBOX", StringComparison.OrdinalIgnoreCase) && folder.Equals("INBOX", StringComparison.OrdinalIgnoreCase));
            if (matched)
            {
                return true;
            }
        }

        return false;
    }
}
