using MailMesh.Protocols.Smtp;
using MailMesh.Rules.Replies;

namespace MailMesh.Grains.Rules;

/// <summary>The mail actions of decided runs: vacation replies and redirects through SMTP submission.</summary>
public sealed partial class MailboxRulesGrain
{
    /// <inheritdoc />
    public async Task<string> SendMail(string runId, int actionIndex, string mailboxAddress)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentException.ThrowIfNullOrEmpty(mailboxAddress);
        var rules = RequireServices();
        if (!state.State.Decisions.TryGetValue(runId, out var stored))
        {
            throw new InvalidOperationException($"rule run '{runId}' is unknown to the rules of '{GrainKey}' (decided too long ago, or never).");
        }

        var actions = stored.Decision.Actions;
        if (actionIndex < 0 || actionIndex >= actions.Count || !actions[actionIndex].SendsMail)
        {
            throw new InvalidOperationException($"action {actionIndex} of rule run '{runId}' does not send mail.");
        }

        var action = actions[actionIndex];
        OutgoingMail mail;
        if (action.Kind == "vacation")
        {
            var reply = new VacationReply(action.Argument!, action.Subject ?? "Auto: ", action.Text ?? string.Empty, action.From, action.Mime, action.InReplyTo);
            mail = RuleMail.BuildVacationReply(reply, mailboxAddress, $"{GrainKey}\n{runId}\n{actionIndex}", TimeProvider.GetUtcNow());
        }
        else
        {
            var raw = await ReadBlobAsync(rules.Blobs, stored.BlobName, rules.Options.MaxMessageSize);
            if (raw.Error is not null)
            {
                throw new InvalidOperationException("cannot redirect: " + raw.Error);
            }

            mail = RuleMail.BuildRedirect(raw.Bytes, mailboxAddress, action.Argument!);
        }

        await using var client = await rules.ConnectSmtpAsync(CancellationToken.None);
        var result = await client.SendAsync(new SmtpEnvelope(mail.EnvelopeFrom, mail.Recipients), mail.Content);
        await client.QuitAsync();
        return result.Reply;
    }
}
