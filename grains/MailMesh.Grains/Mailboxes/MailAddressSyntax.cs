namespace MailMesh.Grains.Mailboxes;

/// <summary>A plain <c>local@domain</c> check for configuration fields (not a parser of header addresses).</summary>
internal static class MailAddressSyntax
{
    public static bool IsValid(string address)
    {
        if (address.Length > 254)
        {
            return false;
        }

        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1 || at > 64)
        {
            return false;
        }

        var domain = address.AsSpan(at + 1);
        return !address.Any(char.IsWhiteSpace) && !address.Any(char.IsControl)
            && domain.IndexOf('.') > 0 && domain[^1] != '.' && !domain.Contains("..", StringComparison.Ordinal);
    }
}
