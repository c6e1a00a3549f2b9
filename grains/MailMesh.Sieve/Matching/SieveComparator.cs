namespace MailMesh.Sieve.Matching;

/// <summary>A comparator (RFC 4790 as used by RFC 5228 section 2.7.3).</summary>
public abstract class SieveComparator
{
    /// <summary>i;octet: byte-wise (here: UTF-16 code unit) comparison.</summary>
    public static readonly SieveComparator Octet = new OctetComparator();

    /// <summary>i;ascii-casemap: ASCII letters compare case-insensitively.</summary>
    public static readonly SieveComparator AsciiCaseMap = new AsciiCaseMapComparator();

    /// <summary>i;ascii-numeric: leading decimal digits compare as unsigned numbers; no digits is infinity.</summary>
    public static readonly SieveComparator AsciiNumeric = new AsciiNumericComparator();

    /// <summary>i;unicode-casemap (RFC 5051): case-insensitive over Unicode, after compatibility decomposition.</summary>
    public static readonly SieveComparator UnicodeCaseMap = new UnicodeCaseMapComparator();

    /// <summary>The registered name.</summary>
    public abstract string Name { get; }

    /// <summary>True when :contains and :matches are allowed.</summary>
    public virtual bool SupportsSubstring => true;

    /// <summary>True when two characters are equal under this comparator.</summary>
    public abstract bool CharEquals(char a, char b);

    /// <summary>True when two whole strings are equal.</summary>
    public virtual bool StringEquals(string a, string b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (!CharEquals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Orders two strings (relational :value).</summary>
    public abstract int Compare(string a, string b);

    /// <summary>True when two spans are equal under i;ascii-casemap (ASCII letters folded, everything else exact).</summary>
    public static bool AsciiCaseMapEquals(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            var x = a[i];
            if (x == b[i])
            {
                continue;
            }

            var folded = x | 0x20;
            if ((uint)(folded - 'a') > 'z' - 'a' || folded != (b[i] | 0x20))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The comparator named <paramref name="name"/>, or null when unknown.</summary>
    public static SieveComparator? Find(string name) => name.ToLowerInvariant() switch
    {
        "i;octet" => Octet,
        "i;ascii-casemap" => AsciiCaseMap,
        "i;ascii-numeric" => AsciiNumeric,
        "i;unicode-casemap" => UnicodeCaseMap,
        _ => null,
    };

    private sealed class OctetComparator : SieveComparator
    {
        public override string Name => "i;octet";

        public override bool CharEquals(char a, char b) => a == b;

        public override bool StringEquals(string a, string b) => string.Equals(a, b, StringComparison.Ordinal);

        public override int Compare(string a, string b) => string.CompareOrdinal(a, b);
    }

    private sealed class AsciiCaseMapComparator : SieveComparator
    {
        public override string Name => "i;ascii-casemap";

        public override bool CharEquals(char a, char b) => a == b || Fold(a) == Fold(b);

        public override bool StringEquals(string a, string b) => AsciiCaseMapEquals(a, b);

        public override int Compare(string a, string b)
        {
            var length = Math.Min(a.Length, b.Length);
            for (var i = 0; i < length; i++)
            {
                var difference = Fold(a[i]) - Fold(b[i]);
                if (difference != 0)
                {
                    return difference;
                }
            }

            return a.Length - b.Length;
        }

        private static char Fold(char c) => c is >= 'a' and <= 'z' ? (char)(c - 32) : c;
    }

    private sealed class UnicodeCaseMapComparator : SieveComparator
    {
        public override string Name => "i;unicode-casemap";

        public override bool CharEquals(char a, char b) => a == b || char.ToUpperInvariant(a) == char.ToUpperInvariant(b);

        public override bool StringEquals(string a, string b) => string.Equals(Fold(a), Fold(b), StringComparison.Ordinal);

        public override int Compare(string a, string b) => string.CompareOrdinal(Fold(a), Fold(b));

        // RFC 5051 section 2: titlecase (here: upper case), then NFKD.
        private static string Fold(string value) => value.ToUpperInvariant().Normalize(System.Text.NormalizationForm.FormKD);
    }

    private sealed class AsciiNumericComparator : SieveComparator
    {
        public override string Name => "i;ascii-numeric";

        public override bool SupportsSubstring => false;

        public override bool CharEquals(char a, char b) => a == b;

        public override bool StringEquals(string a, string b) => Compare(a, b) == 0;

        public override int Compare(string a, string b)
        {
            var x = Digits(a);
            var y = Digits(b);
            if (x is null || y is null)
            {
                return x is null ? (y is null ? 0 : 1) : -1;
            }

            return x.Length != y.Length ? x.Length.CompareTo(y.Length) : string.CompareOrdinal(x, y);
        }

        // The leading digits without leading zeros, or null when the string does not start with a digit.
        private static string? Digits(string value)
        {
            var end = 0;
            while (end < value.Length && value[end] is >= '0' and <= '9')
            {
                end++;
            }

            if (end == 0)
            {
                return null;
            }

            var start = 0;
            while (start < end - 1 && value[start] == '0')
            {
                start++;
            }

            return value[start..end];
        }
    }
}
