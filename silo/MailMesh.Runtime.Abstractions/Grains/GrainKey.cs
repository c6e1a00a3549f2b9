namespace MailMesh.Runtime;

/// <summary>Syntax of grain keys: <c>tenant/rest</c>.</summary>
public static class GrainKey
{
    /// <summary>Longest tenant id.</summary>
    public const int MaxTenantLength = 63;

    /// <summary>Longest part after the tenant.</summary>
    public const int MaxRestLength = 400;

    /// <summary>Returns null when <paramref name="key"/> is well formed, otherwise what is wrong with it.</summary>
    public static string? Validate(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "the key is empty; expected 'tenant/name'";
        }

        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return "the key has no '/'; expected 'tenant/name'";
        }

        var tenantError = ValidateTenant(key.AsSpan(0, slash));
        if (tenantError is not null)
        {
            return tenantError;
        }

        var rest = key.AsSpan(slash + 1);
        if (rest.IsEmpty)
        {
            return "nothing follows the tenant; expected 'tenant/name'";
        }

        if (rest.Length > MaxRestLength)
        {
            return $"the part after the tenant is {rest.Length} characters long; at most {MaxRestLength} are allowed";
        }

        for (var i = 0; i < rest.Length; i++)
        {
            if (char.IsControl(rest[i]))
            {
                return $"control character U+{(int)rest[i]:X4} at position {slash + 1 + i}";
            }
        }

        return null;
    }

    /// <summary>Returns null when <paramref name="tenant"/> is a well-formed tenant id, otherwise what is wrong.</summary>
    public static string? ValidateTenant(ReadOnlySpan<char> tenant)
    {
        if (tenant.IsEmpty)
        {
            return "the tenant is empty";
        }

        if (tenant.Length > MaxTenantLength)
        {
            return $"the tenant is {tenant.Length} characters long; at most {MaxTenantLength} are allowed";
        }

        for (var i = 0; i < tenant.Length; i++)
        {
            var c = tenant[i];
            var ok = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') || (c == '-' && i > 0);
            if (!ok)
            {
                return $"the tenant has '{c}' at position {i}; use lower-case letters, digits and '-' (not first)";
            }
        }

        return null;
    }
}
