using System.Globalization;
using Microsoft.Extensions.Options;

namespace MailMesh.Campaigns.Composition;

/// <summary>How campaign messages are addressed (configuration section <c>Campaigns:Composition</c>).</summary>
public sealed class CompositionOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Campaigns:Composition";

    /// <summary>The domain of the per-recipient return paths (required), whose MX receives bounces; see
    /// <see cref="ReturnPath"/>.</summary>
    public string? ReturnPathDomain { get; set; }

    /// <summary>The local part before the <c>+</c> of a return path.</summary>
    public string ReturnPathPrefix { get; set; } = "bounces";

    /// <summary>The local part before the <c>+</c> of the <c>mailto:</c> unsubscribe address (at the return-path domain).</summary>
    public string UnsubscribePrefix { get; set; } = "unsubscribe";

    /// <summary>The domain of <c>List-Id</c> (default: the return-path domain).</summary>
    public string? ListIdDomain { get; set; }

    /// <summary>The domain of Message-IDs (default: the From domain).</summary>
    public string? MessageIdDomain { get; set; }

    /// <summary>The From address of previews and test sends (default: <c>noreply@</c> the return-path domain).</summary>
    public string? DefaultFromAddress { get; set; }

    /// <summary>The From name of previews and test sends.</summary>
    public string? DefaultFromName { get; set; }

    /// <summary>The words of the visible unsubscribe link added when the template has no <c>{{unsubscribe_url}}</c>.</summary>
    public string UnsubscribeText { get; set; } = "Unsubscribe";

    /// <summary>The IDNA (ASCII) form of a domain, or null when it is not a valid host name.</summary>
    internal static string? AsciiDomain(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain))
        {
            return null;
        }

        try
        {
            var ascii = new IdnMapping().GetAscii(domain.Trim().TrimEnd('.')).ToLowerInvariant();
            return Uri.CheckHostName(ascii) == UriHostNameType.Dns && ascii.Contains('.', StringComparison.Ordinal) ? ascii : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="local"/> is a dot-atom local part that can carry a <c>+</c> suffix.</summary>
    internal static bool IsLocalPart(string? local) =>
        !string.IsNullOrEmpty(local) && local.Length <= 40 && local.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
        && !local.StartsWith('.') && !local.EndsWith('.') && !local.Contains("..", StringComparison.Ordinal);
}

/// <summary>Checks <see cref="CompositionOptions"/> at start-up.</summary>
public sealed class CompositionOptionsValidator : IValidateOptions<CompositionOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CompositionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (CompositionOptions.AsciiDomain(options.ReturnPathDomain) is null)
        {
            problems.Add($"Campaigns:Composition:ReturnPathDomain '{options.ReturnPathDomain}' is not a domain name; set it to the domain whose MX receives bounces, e.g. bounces.example.com (MAILMESH__CAMPAIGNS__COMPOSITION__RETURNPATHDOMAIN).");
        }

        if (!CompositionOptions.IsLocalPart(options.ReturnPathPrefix))
        {
            problems.Add($"Campaigns:Composition:ReturnPathPrefix '{options.ReturnPathPrefix}' must be 1-40 ASCII letters, digits, '-', '_' or '.'.");
        }

        if (!CompositionOptions.IsLocalPart(options.UnsubscribePrefix))
        {
            problems.Add($"Campaigns:Composition:UnsubscribePrefix '{options.UnsubscribePrefix}' must be 1-40 ASCII letters, digits, '-', '_' or '.'.");
        }

        foreach (var (key, value) in new[] { ("ListIdDomain", options.ListIdDomain), ("MessageIdDomain", options.MessageIdDomain) })
        {
            if (value is not null && CompositionOptions.AsciiDomain(value) is null)
            {
                problems.Add($"Campaigns:Composition:{key} '{value}' is not a domain name.");
            }
        }

        if (options.DefaultFromAddress is { } from && (from.IndexOf('@', StringComparison.Ordinal) is var at && (at <= 0 || CompositionOptions.AsciiDomain(from[(at + 1)..]) is null)))
        {
            problems.Add($"Campaigns:Composition:DefaultFromAddress '{from}' is not an address (local@domain).");
        }

        if (string.IsNullOrWhiteSpace(options.UnsubscribeText))
        {
            problems.Add("Campaigns:Composition:UnsubscribeText is empty; it is the visible unsubscribe link's text.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
