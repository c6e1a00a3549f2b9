using MailMesh.Protocols.Smtp.Internal;

namespace MailMesh.Protocols.Smtp;

/// <summary>One reply of the server.</summary>
/// <param name="Code">The three-digit reply code.</param>
/// <param name="EnhancedCode">The RFC 3463 enhanced status code (class matching <paramref name="Code"/>), when the reply had one.</param>
/// <param name="Text">The text after the code and the enhanced code, lines joined by spaces.</param>
public sealed record SmtpResponse(int Code, string? EnhancedCode, string Text)
{
    /// <summary>True for 2xx and 3xx.</summary>
    public bool IsPositive => Code is >= 200 and < 400;

    /// <summary>True for 4xx: try again later.</summary>
    public bool IsTransientFailure => Code is >= 400 and < 500;

    /// <summary>True for 5xx (and anything else that is neither positive nor transient).</summary>
    public bool IsPermanentFailure => !IsPositive && !IsTransientFailure;

    internal static SmtpResponse From(SmtpReply reply) => new(reply.Code, reply.EnhancedCode, reply.TextWithoutEnhancedCode);

    /// <inheritdoc />
    public override string ToString() => EnhancedCode is null ? $"{Code} {Text}" : $"{Code} {EnhancedCode} {Text}";
}

/// <summary>Every reply of one mail transaction, for callers that decide per recipient (see <see cref="SmtpClient.SendTransactionAsync"/>).</summary>
/// <param name="Mail">The reply to MAIL FROM.</param>
/// <param name="Recipients">The reply to each RCPT TO in envelope order; null where RCPT was not sent (MAIL refused without pipelining).</param>
/// <param name="Data">The reply that ends the transaction: the final reply after the message data, or the refusal of DATA/BDAT;
/// null when the message was never offered (MAIL refused, or no recipient accepted).</param>
public sealed record SmtpTransactionResult(SmtpResponse Mail, IReadOnlyList<SmtpResponse?> Recipients, SmtpResponse? Data)
{
    /// <summary>True when the server took responsibility for the message for the recipients it accepted.</summary>
    public bool Delivered => Data is { Code: >= 200 and < 300 };
}
