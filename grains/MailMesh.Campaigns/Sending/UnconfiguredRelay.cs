using MailMesh.Protocols.Smtp;

namespace MailMesh.Campaigns.Sending;

/// <summary>The submitter of a silo with no relay configured: campaigns are refused when scheduled (so this answers only
/// a campaign scheduled before the relay setting was removed), and every recipient is deferred with the reason.</summary>
public sealed class UnconfiguredRelay : IMailSubmitter
{
    /// <summary>What is missing.</summary>
    public const string Problem = "no relay is configured: set Campaigns:Relay:Host (MAILMESH__CAMPAIGNS__RELAY__HOST) and Campaigns:Relay:Port";

    /// <inheritdoc />
    public Task<SubmissionResult> SubmitAsync(MailSubmission mail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mail);
        return Task.FromResult(new SubmissionResult([.. mail.Recipients.Select(r => new RecipientOutcome(r, SubmissionStatus.Deferred, 0, null, Problem))], "none"));
    }
}
