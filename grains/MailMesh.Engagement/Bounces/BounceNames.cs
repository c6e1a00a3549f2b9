using System.Text;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Bounces;

/// <summary>The snake_case names of kinds and reasons used in events, the webhook and the review list.</summary>
public static class BounceNames
{
    /// <summary><c>hard_bounce</c>, <c>soft_bounce</c>, <c>complaint</c>, <c>auto_reply</c>, <c>delivered</c>, <c>unknown</c>.</summary>
    public static string Kind(BounceKind kind) => Snake(kind.ToString());

    /// <summary>e.g. <c>user_unknown</c>, <c>mailbox_full</c>, <c>spam_detected</c>.</summary>
    public static string Reason(BounceReason reason) => Snake(reason.ToString());

    /// <summary>The reason named <paramref name="name"/> (snake_case or PascalCase, any case), or false.</summary>
    public static bool TryParseReason(string? name, out BounceReason reason)
    {
        reason = BounceReason.Undefined;
        return name is not null && Enum.TryParse(name.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out reason) && Enum.IsDefined(reason);
    }

    private static string Snake(string pascal)
    {
        var builder = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }
}
