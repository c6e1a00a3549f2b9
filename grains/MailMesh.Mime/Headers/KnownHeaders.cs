using System.Text;

namespace MailMesh.Mime.Headers;

/// <summary>Interned names of common header fields, so parsing them allocates nothing.</summary>
internal static class KnownHeaders
{
    private static readonly string[] Names =
    [
        "From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "Message-Id", "In-Reply-To", "References",
        "Reply-To", "Sender", "Return-Path", "Received", "MIME-Version", "Mime-Version", "Content-Type",
        "Content-Transfer-Encoding", "Content-Disposition", "Content-ID", "Content-Id", "Content-Description",
        "Content-Length", "X-Mailer", "User-Agent", "DKIM-Signature", "Authentication-Results",
        "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results", "Received-SPF", "List-Unsubscribe",
        "List-Id", "Precedence", "X-Spam-Status", "Thread-Topic", "Thread-Index", "Content-Language",
        "X-Originating-IP", "Delivered-To", "Importance", "X-Priority", "Status", "Lines",
    ];

    private static readonly Dictionary<int, string[]> ByLength = Names
        .GroupBy(n => n.Length)
        .ToDictionary(g => g.Key, g => g.ToArray());

    public static string GetName(ReadOnlySpan<byte> name)
    {
        if (ByLength.TryGetValue(name.Length, out var candidates))
        {
            foreach (var candidate in candidates)
            {
                if (Matches(name, candidate))
                {
                    return candidate;
                }
            }
        }

        return Encoding.UTF8.GetString(name);
    }

    private static bool Matches(ReadOnlySpan<byte> bytes, string name)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != name[i])
            {
                return false;
            }
        }

        return true;
    }
}
