using System.Text;
using MailMesh.Sieve.Interpretation;

using MailMesh.Sieve.Tests.Support;

namespace MailMesh.Sieve.Tests.Conformance;

/// <summary>Carries out a result the way the testsuite's mail store and SMTP sink would (test_result_execute, test_message).</summary>
internal static class TestsuiteExecutor
{
    public static bool Execute(TestsuiteState state, SieveRuntime runtime)
    {
        if (state.LastRunError is not null)
        {
            return false;
        }

        var raw = CurrentMessage(runtime, runtime.Headers.Fields);
        var actions = runtime.Actions.ToList();
        if (runtime.ImplicitKeep && !actions.Exists(a => a is KeepAction))
        {
            actions.Add(new KeepAction([.. runtime.InternalFlags], Implicit: true));
        }

        foreach (var action in actions)
        {
            switch (action)
            {
                case KeepAction keep:
                    state.Mailboxes["INBOX"].Add(new StoredMessage(raw, keep.Flags));
                    break;
                case FileIntoAction file:
                    var mailbox = SieveRuntime.NormalizeMailbox(file.Mailbox);
                    if (mailbox.Split('/', '.').Any(p => p.Length == 0))
                    {
                        return Fail(state, runtime, $"failed to store into mailbox '{file.Mailbox}': invalid mailbox name");
                    }

                    if (!state.Mailboxes.TryGetValue(mailbox, out var messages))
                    {
                        if (!file.Create)
                        {
                            return Fail(state, runtime, $"failed to store into mailbox '{file.Mailbox}': mailbox does not exist");
                        }

                        state.Mailboxes[mailbox] = messages = [];
                    }

                    messages.Add(new StoredMessage(raw, file.Flags));
                    break;
                case RedirectAction redirect:
                    state.Outbox.Add(new SentMessage(runtime.Envelope.From, redirect.Address, raw));
                    break;
                case VacationAction vacation:
                    state.Outbox.Add(new SentMessage(string.Empty, vacation.Recipient, VacationReply(runtime, vacation)));
                    break;
                case RejectAction reject when !reject.Extended && Extensions.Core.MessageValues.EnvelopeAddress(runtime.Envelope.From) is { } sender:
                    state.Outbox.Add(new SentMessage(string.Empty, sender, $"From: Postmaster <postmaster@example.net>\r\nTo: <{sender}>\r\nSubject: Rejected\r\nAuto-Submitted: auto-replied (rejected)\r\n\r\n{reject.Reason}\r\n"));
                    break;
                default:
                    break;
            }
        }

        return true;
    }

    public static bool SelectMessage(TestsuiteState state, SieveRuntime runtime, MailMesh.Sieve.Parsing.SieveNode test)
    {
        var index = (int)SieveRuntime.GetNumber(test.Args.Positional[0]);
        if (test.Args.Has("smtp"))
        {
            if (index < 0 || index >= state.Outbox.Count)
            {
                return false;
            }

            var sent = state.Outbox[index];
            runtime.Message = TestMessage.Parse(sent.Raw);
            runtime.Envelope = new Messages.SieveEnvelope(sent.EnvelopeFrom, sent.EnvelopeTo);
            return true;
        }

        var folder = SieveRuntime.NormalizeMailbox(runtime.GetString(test.Args.Value("folder")!));
        if (!state.Mailboxes.TryGetValue(folder, out var messages) || index < 0 || index >= messages.Count)
        {
            return false;
        }

        runtime.Message = TestMessage.Parse(messages[index].Raw);
        runtime.InternalFlags.Clear();
        runtime.InternalFlags.AddRange(messages[index].Flags);
        return true;
    }

    // A failed execution falls back to implicit keep of the original message (no editheader changes).
    private static bool Fail(TestsuiteState state, SieveRuntime runtime, string error)
    {
        state.Errors.Add(error);
        state.Mailboxes["INBOX"].Add(new StoredMessage(CurrentMessage(runtime, runtime.Message.Headers), []));
        return false;
    }

    private static string CurrentMessage(SieveRuntime runtime, IReadOnlyList<Messages.SieveHeader> fields)
    {
        var builder = new StringBuilder();
        foreach (var field in fields)
        {
            builder.Append(field.Name).Append(": ").Append(field.Value).Append("\r\n");
        }

        return builder.Append("\r\n").Append(runtime.Message.Root.RawContent).ToString();
    }

    private static string VacationReply(SieveRuntime runtime, VacationAction vacation)
    {
        var from = vacation.From ?? vacation.UserAddress ?? runtime.Envelope.To ?? "recipient@example.com";
        var builder = new StringBuilder()
            .Append("From: ").Append(from).Append("\r\n")
            .Append("To: <").Append(vacation.Recipient).Append(">\r\n")
            .Append("Subject: ").Append(vacation.Subject).Append("\r\n")
            .Append("Auto-Submitted: auto-replied (vacation)\r\n");
        if (vacation.InReplyTo is not null)
        {
            builder.Append("In-Reply-To: ").Append(vacation.InReplyTo).Append("\r\n")
                .Append("References: ").Append(vacation.InReplyTo).Append("\r\n");
        }

        if (vacation.Mime)
        {
            return builder.Append("MIME-Version: 1.0\r\n").Append(vacation.Reason).ToString();
        }

        return builder.Append("\r\n").Append(vacation.Reason).ToString();
    }
}
