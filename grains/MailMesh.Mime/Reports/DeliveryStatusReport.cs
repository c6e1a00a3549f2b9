using MailMesh.Mime.Headers;

namespace MailMesh.Mime.Reports;

/// <summary>The per-recipient part of a DSN (RFC 3464 2.3).</summary>
public sealed class RecipientStatus
{
    /// <summary>All fields of the block.</summary>
    public required ReportFieldGroup Fields { get; init; }

    /// <summary>Final-Recipient address (type stripped).</summary>
    public string? FinalRecipient => Typed("Final-Recipient");

    /// <summary>Original-Recipient address (type stripped).</summary>
    public string? OriginalRecipient => Typed("Original-Recipient");

    /// <summary>Action: failed, delayed, delivered, relayed or expanded (lower-case).</summary>
    public string? Action => Fields["Action"]?.Trim().ToLowerInvariant();

    /// <summary>Status code "X.Y.Z" (comments stripped).</summary>
    public string? Status
    {
        get
        {
            var s = Fields["Status"];
            if (s is null)
            {
                return null;
            }

            var token = s.Split([' ', '\t', '('], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return token;
        }
    }

    /// <summary>The status class: 2 success, 4 transient, 5 permanent; null when absent.</summary>
    public int? StatusClass => Status is { Length: > 0 } s && s[0] is '2' or '4' or '5' ? s[0] - '0' : null;

    /// <summary>Diagnostic-Code text (type stripped, e.g. the remote SMTP reply).</summary>
    public string? DiagnosticCode => Typed("Diagnostic-Code");

    /// <summary>Diagnostic-Code type ("smtp", "x-unix", ...).</summary>
    public string? DiagnosticType => ReportFieldGroup.SplitTyped(Fields["Diagnostic-Code"]).Type;

    /// <summary>Remote-MTA (type stripped).</summary>
    public string? RemoteMta => Typed("Remote-MTA");

    /// <summary>Last-Attempt-Date.</summary>
    public DateTimeOffset? LastAttemptDate => DateParser.Parse(Fields["Last-Attempt-Date"]);

    /// <summary>Will-Retry-Until.</summary>
    public DateTimeOffset? WillRetryUntil => DateParser.Parse(Fields["Will-Retry-Until"]);

    private string? Typed(string name)
    {
        var v = Fields[name];
        return v is null ? null : ReportFieldGroup.SplitTyped(v).Value.Trim('<', '>', ' ');
    }
}

/// <summary>A message/delivery-status report (RFC 3464), typed.</summary>
public sealed class DeliveryStatusReport
{
    /// <summary>The per-message fields.</summary>
    public required ReportFieldGroup MessageFields { get; init; }

    /// <summary>One entry per recipient block.</summary>
    public required IReadOnlyList<RecipientStatus> Recipients { get; init; }

    /// <summary>Reporting-MTA (type stripped).</summary>
    public string? ReportingMta => ReportFieldGroup.SplitTyped(MessageFields["Reporting-MTA"]).Value is { Length: > 0 } v ? v : null;

    /// <summary>Original-Envelope-Id.</summary>
    public string? OriginalEnvelopeId => MessageFields["Original-Envelope-Id"];

    /// <summary>Arrival-Date.</summary>
    public DateTimeOffset? ArrivalDate => DateParser.Parse(MessageFields["Arrival-Date"]);

    /// <summary>Parses the content of a message/delivery-status part (lenient).</summary>
    public static DeliveryStatusReport Parse(MimePart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        var groups = ReportFieldGroup.ParseGroups(part.GetDecodedBytes());
        // The first block is per-message unless it already carries recipient fields (some MTAs omit it).
        var first = groups.Count > 0 && !IsRecipientBlock(groups[0]) ? groups[0] : [];
        var recipients = groups.Where(IsRecipientBlock).Select(g => new RecipientStatus { Fields = g }).ToList();
        return new DeliveryStatusReport { MessageFields = first, Recipients = recipients };
    }

    /// <summary>Finds and parses the first delivery-status part of a message, or null when there is none.</summary>
    public static DeliveryStatusReport? FromMessage(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var part = message.Descendants().OfType<MimePart>().FirstOrDefault(p =>
            p.ContentType.IsMimeType("message", "delivery-status") || p.ContentType.IsMimeType("message", "global-delivery-status"));
        return part is null ? null : Parse(part);
    }

    private static bool IsRecipientBlock(ReportFieldGroup g) => g["Final-Recipient"] is not null || g["Original-Recipient"] is not null || g["Action"] is not null;
}
