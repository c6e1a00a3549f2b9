using System.Globalization;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Runtime;

namespace MailMesh.Grains.Sharing;

/// <summary>Conversation status, assignee and notes; the response-time target and its reminder.</summary>
public sealed partial class MailboxSharingGrain
{
    /// <summary>Largest conversation page.</summary>
    public const int MaxConversationPage = 500;

    private const string SlaReminder = "sla-check";

    // Folders whose messages are never waiting for an answer from the team.
    private static readonly string[] s_outboundFolders = ["Sent", "Sent Items", "Sent Messages", "Drafts", "Trash", "Deleted Items", "Junk", "Spam"];

    /// <inheritdoc />
    public Task<Conversation> GetConversation(string conversationId)
    {
        CheckConversationId(conversationId);
        return Task.FromResult(ToConversation(conversationId, state.State.Conversations.GetValueOrDefault(conversationId)));
    }

    /// <inheritdoc />
    public Task<ConversationPage> ListConversations(ConversationStatus? status, string? assignee, string? after, int limit)
    {
        if (limit is < 1 or > MaxConversationPage)
        {
            throw new ArgumentException($"page_size {limit} must be 1-{MaxConversationPage}.", "page_size");
        }

        var matching = state.State.Conversations
            .Where(c => (status is null || c.Value.Status == status) && (assignee is null || c.Value.Assignee == assignee)
                && (after is null || string.CompareOrdinal(c.Key, after) > 0))
            .OrderBy(c => c.Key, StringComparer.Ordinal)
            .Take(limit + 1)
            .Select(c => ToConversation(c.Key, c.Value))
            .ToList();
        var next = matching.Count > limit ? matching[limit - 1].Id : null;
        return Task.FromResult(new ConversationPage(matching.Take(limit).ToList(), next));
    }

    /// <inheritdoc />
    public async Task<Conversation> UpdateConversation(string actor, string conversationId, ConversationStatus? status, string? assignee)
    {
        CheckActor(actor);
        CheckConversationId(conversationId);
        if (status is { } s && !Enum.IsDefined(s))
        {
            throw new ArgumentException($"status {s} is not open, pending or closed.", nameof(status));
        }

        if (!string.IsNullOrEmpty(assignee)
            && (!state.State.Members.TryGetValue(assignee, out var member) || member.Access < MailboxAccess.SendAs))
        {
            throw new ArgumentException($"assignee '{assignee}' must be a member with send_as or full access.", nameof(assignee));
        }

        var conversation = Touch(conversationId);
        if (status is { } newStatus && newStatus != conversation.Status)
        {
            Audit(actor, "conversation.status_changed", conversationId, new() { ["from"] = Lower(conversation.Status), ["to"] = Lower(newStatus) });
            if (newStatus == ConversationStatus.Open)
            {
                // Reopened: an answer is owed again, so the target can be breached again.
                conversation.SlaBreachedAt = null;
            }

            conversation.Status = newStatus;
        }

        if (assignee is not null && (assignee.Length == 0 ? null : assignee) is var newAssignee && newAssignee != conversation.Assignee)
        {
            Audit(actor, "conversation.assigned", conversationId, new() { ["from"] = conversation.Assignee ?? "", ["to"] = newAssignee ?? "" });
            conversation.Assignee = newAssignee;
        }

        await state.WriteStateAsync();
        return ToConversation(conversationId, conversation);
    }

    /// <inheritdoc />
    public async Task<ConversationNote> AddNote(string actor, string conversationId, string text)
    {
        CheckActor(actor);
        CheckConversationId(conversationId);
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxNoteLength)
        {
            throw new ArgumentException($"text must be 1-{MaxNoteLength} characters and not blank.", nameof(text));
        }

        var conversation = Touch(conversationId);
        if (conversation.Notes.Count >= MaxNotes)
        {
            throw new ArgumentException($"conversation '{conversationId}' has {MaxNotes} notes already, the most it can have.", "conversation_id");
        }

        var note = new ConversationNote(conversation.Notes.Count + 1, actor, TimeProvider.GetUtcNow(), text);
        conversation.Notes.Add(note);
        Audit(actor, "conversation.note_added", conversationId, new() { ["note"] = note.Id.ToString(CultureInfo.InvariantCulture) });
        await state.WriteStateAsync();
        return note;
    }

    /// <inheritdoc />
    public Task<SlaPolicy> GetSlaPolicy() => Task.FromResult(new SlaPolicy(state.State.SlaFirstResponse, state.State.SlaAppliesSince));

    /// <inheritdoc />
    public async Task<SlaPolicy> SetSlaPolicy(string actor, TimeSpan? firstResponse, DateTimeOffset? appliesSince)
    {
        CheckActor(actor);
        if (firstResponse is { } target && (target < TimeSpan.FromMinutes(1) || target > TimeSpan.FromDays(365)))
        {
            throw new ArgumentException($"first_response {target} must be between 1 minute and 365 days.", "first_response_seconds");
        }

        state.State.SlaFirstResponse = firstResponse;
        state.State.SlaAppliesSince = appliesSince ?? TimeProvider.GetUtcNow();
        Audit(actor, "sla.policy_changed", "", new()
        {
            ["first_response_seconds"] = ((long)(firstResponse?.TotalSeconds ?? 0)).ToString(CultureInfo.InvariantCulture),
            ["applies_since"] = state.State.SlaAppliesSince.ToString("O", CultureInfo.InvariantCulture),
        });
        await state.WriteStateAsync();
        if (firstResponse is null)
        {
            await UnregisterReminderAsync(SlaReminder);
        }
        else
        {
            await RegisterOrUpdateReminderAsync(SlaReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            await CheckSla();
        }

        return new SlaPolicy(state.State.SlaFirstResponse, state.State.SlaAppliesSince);
    }

    /// <inheritdoc />
    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == SlaReminder ? CheckSla() : Task.CompletedTask;

    /// <inheritdoc />
    public async Task<int> CheckSla()
    {
        if (state.State.SlaFirstResponse is not { } target || sync is null)
        {
            return 0;
        }

        var now = TimeProvider.GetUtcNow();
        var search = new IndexSearch(500, WithoutFlags: ["\\Answered", "\\Deleted"], Since: state.State.SlaAppliesSince, Before: now - target);
        var breached = 0;
        for (var pages = 0; pages < 20; pages++)
        {
            var page = await sync.Index.SearchAsync(GrainKey, search);
            foreach (var row in page.Rows.Where(r => !s_outboundFolders.Contains(r.Folder, StringComparer.OrdinalIgnoreCase)))
            {
                var id = MailboxGrain.ConversationOf(row);
                var conversation = state.State.Conversations.GetValueOrDefault(id);
                if (conversation is { Status: not ConversationStatus.Open } or { SlaBreachedAt: not null })
                {
                    continue;
                }

                conversation = Touch(id);
                conversation.SlaBreachedAt = now;
                RaiseEvent("message.sla_breached", GrainKey, new
                {
                    conversationId = id, folder = row.Folder, uidValidity = row.UidValidity, uid = row.Uid, messageId = row.MessageId,
                    subject = row.Subject, date = row.Date, targetSeconds = (long)target.TotalSeconds, assignee = conversation.Assignee,
                });
                breached++;
            }

            if (page.Next is null)
            {
                break;
            }

            search = search with { After = page.Next };
        }

        if (breached > 0)
        {
            await state.WriteStateAsync();
        }

        return breached;
    }

    private ConversationState Touch(string id)
    {
        if (!state.State.Conversations.TryGetValue(id, out var conversation))
        {
            conversation = new ConversationState();
            state.State.Conversations[id] = conversation;
        }

        conversation.UpdatedAt = TimeProvider.GetUtcNow();
        return conversation;
    }

    private static Conversation ToConversation(string id, ConversationState? c) => c is null
        ? new Conversation(id, ConversationStatus.Open, null, [], null, null)
        : new Conversation(id, c.Status, c.Assignee, c.Notes.ToList(), c.SlaBreachedAt, c.UpdatedAt);

    private static string Lower(ConversationStatus status) => status.ToString().ToLowerInvariant();

    private static void CheckConversationId(string conversationId)
    {
        if (string.IsNullOrEmpty(conversationId) || conversationId.Length > MaxConversationIdLength || conversationId.Any(char.IsControl))
        {
            throw new ArgumentException($"conversation_id must be 1-{MaxConversationIdLength} characters without control characters.", "conversation_id");
        }
    }
}
