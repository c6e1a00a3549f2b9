using MailMesh.Mime.Headers;

namespace MailMesh.Mime.Reports;

/// <summary>A message/feedback-report (ARF, RFC 5965), typed.</summary>
public sealed class FeedbackReport
{
    /// <summary>All fields of the report.</summary>
    public required ReportFieldGroup Fields { get; init; }

    /// <summary>Feedback-Type: abuse, fraud, virus, other, not-spam, auth-failure, opt-out (lower-case).</summary>
    public string? FeedbackType => Fields["Feedback-Type"]?.Trim().ToLowerInvariant();

    /// <summary>User-Agent of the reporter.</summary>
    public string? UserAgent => Fields["User-Agent"];

    /// <summary>Version (normally 1).</summary>
    public string? Version => Fields["Version"];

    /// <summary>Original-Mail-From (brackets stripped).</summary>
    public string? OriginalMailFrom => Fields["Original-Mail-From"]?.Trim().Trim('<', '>');

    /// <summary>Original-Rcpt-To values (brackets stripped).</summary>
    public IReadOnlyList<string> OriginalRcptTo => Fields.All("Original-Rcpt-To").Select(v => v.Trim().Trim('<', '>')).ToList();

    /// <summary>Source-IP of the reported message.</summary>
    public string? SourceIp => Fields["Source-IP"]?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();

    /// <summary>Arrival-Date (or the older Received-Date).</summary>
    public DateTimeOffset? ArrivalDate => DateParser.Parse(Fields["Arrival-Date"] ?? Fields["Received-Date"]);

    /// <summary>Reported-Domain values.</summary>
    public IReadOnlyList<string> ReportedDomains => Fields.All("Reported-Domain").ToList();

    /// <summary>Reported-URI values.</summary>
    public IReadOnlyList<string> ReportedUris => Fields.All("Reported-URI").ToList();

    /// <summary>Authentication-Results as reported.</summary>
    public string? AuthenticationResults => Fields["Authentication-Results"];

    /// <summary>Incidents count (default 1).</summary>
    public int Incidents => int.TryParse(Fields["Incidents"], out var n) ? n : 1;

    /// <summary>Parses the content of a message/feedback-report part (lenient).</summary>
    public static FeedbackReport Parse(MimePart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        var groups = ReportFieldGroup.ParseGroups(part.GetDecodedBytes());
        var all = new ReportFieldGroup();
        foreach (var g in groups)
        {
            all.AddRange(g);
        }

        return new FeedbackReport { Fields = all };
    }

    /// <summary>Finds and parses the first feedback-report part of a message, or null when there is none.</summary>
    public static FeedbackReport? FromMessage(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var part = message.Descendants().OfType<MimePart>().FirstOrDefault(p => p.ContentType.IsMimeType("message", "feedback-report"));
        return part is null ? null : Parse(part);
    }
}
