using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MailMesh.Grains.Sharing;

/// <summary>The hash chain of a mailbox's audit trail: each entry's hash covers the previous hash and the entry's
/// fields, so changing or removing a stored entry breaks every later link.</summary>
public static class AuditChain
{
    /// <summary>The <c>prev</c> of the first entry of a chain.</summary>
    public const string Genesis = "";

    /// <summary>Event types of audit entries start with this.</summary>
    public const string EventPrefix = "audit.";

    /// <summary>The hash (lower-case hex SHA-256) of an entry.</summary>
    public static string Hash(string previous, string actor, string action, string target, long atUnixMilliseconds, IReadOnlyDictionary<string, string>? details)
    {
        ArgumentNullException.ThrowIfNull(previous);
        var canonical = JsonSerializer.Serialize(new object[]
        {
            previous, actor, action, target, atUnixMilliseconds,
            (details ?? new Dictionary<string, string>()).OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => new[] { d.Key, d.Value }).ToArray(),
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>Whether <paramref name="action"/> is a valid action name: dotted words of lower-case letters, digits and
    /// '_' (at most 80 characters), e.g. <c>message.read</c>.</summary>
    public static bool IsValidAction(string? action)
    {
        if (string.IsNullOrEmpty(action) || action.Length > 80 || action[0] == '.' || action[^1] == '.' || action.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        return action.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.');
    }
}
