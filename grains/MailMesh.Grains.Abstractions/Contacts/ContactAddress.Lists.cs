namespace MailMesh.Grains.Contacts;

public static partial class ContactAddress
{
    /// <summary>Local parts that name a function rather than a person (mail to them reaches a team or nobody, and they
    /// complain more): flagged, not refused.</summary>
    private static readonly HashSet<string> RoleNames = new(StringComparer.Ordinal)
    {
        "abuse", "accounting", "accounts", "admin", "administrator", "billing", "careers", "contact", "contactus", "customerservice",
        "enquiries", "enquiry", "feedback", "finance", "hello", "help", "helpdesk", "hostmaster", "hr", "info", "information", "inquiries",
        "jobs", "legal", "mail", "mailer-daemon", "marketing", "media", "newsletter", "no-reply", "noc", "noreply", "office", "orders",
        "postmaster", "press", "privacy", "reception", "root", "sales", "security", "service", "support", "team", "webmaster",
    };

    /// <summary>Suggests the common mail domain a domain is probably a typo of (Damerau–Levenshtein distance 1, or 2 for
    /// longer names), e.g. gmial.com → gmail.com, hotmail.con → hotmail.com.</summary>
    internal static class DomainTypos
    {
        private static readonly string[] Common =
        [
            "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com",
            "me.com", "mac.com", "protonmail.com", "proton.me", "gmx.com", "gmx.de", "gmx.net", "web.de", "t-online.de", "orange.fr",
            "free.fr", "laposte.net", "wanadoo.fr", "sfr.fr", "yahoo.fr", "hotmail.fr", "live.fr", "yahoo.co.uk", "hotmail.co.uk",
            "btinternet.com", "comcast.net", "verizon.net", "libero.it", "skynet.be", "telenet.be", "mail.ru", "yandex.ru", "bluewin.ch",
        ];

        private static readonly HashSet<string> Known = new(Common, StringComparer.Ordinal);

        // Domains repeat heavily in a file (a few thousand distinct ones per million rows): remember the answers, up to a bound.
        private const int MaxRemembered = 50_000;
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Remembered = new(StringComparer.Ordinal);

        public static string? Suggest(string domain)
        {
            if (Known.Contains(domain))
            {
                return null;
            }

            if (Remembered.TryGetValue(domain, out var remembered))
            {
                return remembered.Length == 0 ? null : remembered;
            }

            var suggestion = Compute(domain);
            if (Remembered.Count < MaxRemembered)
            {
                Remembered.TryAdd(domain, suggestion ?? "");
            }

            return suggestion;
        }

        private static string? Compute(string domain)
        {
            string? best = null;
            var bestDistance = int.MaxValue;
            foreach (var candidate in Common)
            {
                var limit = candidate.Length >= 9 ? 2 : 1;
                var distance = Distance(domain, candidate, limit);
                if (distance <= limit && distance < bestDistance)
                {
                    (best, bestDistance) = (candidate, distance);
                }
            }

            return best;
        }

        /// <summary>Optimal string alignment distance, giving up above <paramref name="limit"/>.</summary>
        private static int Distance(string a, string b, int limit)
        {
            if (Math.Abs(a.Length - b.Length) > limit)
            {
                return limit + 1;
            }

            var d = new int[a.Length + 1, b.Length + 1];
            for (var i = 0; i <= a.Length; i++)
            {
                d[i, 0] = i;
            }

            for (var j = 0; j <= b.Length; j++)
            {
                d[0, j] = j;
            }

            for (var i = 1; i <= a.Length; i++)
            {
                for (var j = 1; j <= b.Length; j++)
                {
                    var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    {
                        d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                    }
                }
            }

            return d[a.Length, b.Length];
        }
    }
}
