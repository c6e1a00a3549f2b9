using MailMesh.Blobs;
using MailMesh.Rules;
using MailMesh.Sieve;
using MailMesh.Sieve.Interpretation;

namespace MailMesh.Grains.Rules;

/// <summary>Decisions for rule runs (idempotent per run id) and dry runs.</summary>
public sealed partial class MailboxRulesGrain
{
    /// <inheritdoc />
    public async Task<RuleDecision> Evaluate(RuleRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.RunId);
        if (state.State.Decisions.TryGetValue(request.RunId, out var known))
        {
            return known.Decision;
        }

        var now = TimeProvider.GetUtcNow();
        RuleDecision decision;
        if (state.State.ActiveVersion is not { } version)
        {
            decision = new RuleDecision(request.RunId, null, [new RuleAction("keep", null, []) { Implicit = true }], null, null);
        }
        else
        {
            var rules = RequireServices();
            var raw = await ReadBlobAsync(rules.Blobs, request.BlobName, rules.Options.MaxMessageSize);
            if (raw.Error is not null)
            {
                decision = new RuleDecision(request.RunId, version, [new RuleAction("keep", null, []) { Implicit = true }], raw.Error, null);
            }
            else
            {
                var vacation = new StateVacationTracker(state.State.VacationReplies);
                var duplicates = new StateDuplicateTracker(state.State.Duplicates);
                var context = new RuleContext
                {
                    UserAddresses = request.UserAddresses,
                    Vacation = vacation,
                    Duplicates = duplicates,
                    ExistingMailboxes = request.Folders,
                };
                var evaluation = await rules.Evaluator.EvaluateAsync(CompiledVersion(version), raw.Bytes, context);
                // Memories are committed with the decision, before any reply goes out: a crash later can lose a reply
                // but never send one twice.
                if (evaluation.Error is null)
                {
                    foreach (var record in evaluation.Result.VacationRecords)
                    {
                        vacation.Record(record.Handle, record.Sender, record.Period, now);
                    }

                    foreach (var record in evaluation.Result.DuplicateRecords)
                    {
                        duplicates.Record(record.Key, record.Expiry, now);
                    }
                }

                decision = new RuleDecision(request.RunId, version, evaluation.Actions.Select(RuleActionMapper.Map).ToList(), evaluation.Error, evaluation.Spam?.Score)
                {
                    EditedBlobName = evaluation.Error is null && evaluation.Result.EditedHeaders is { } edited
                        ? await StoreEditedAsync(rules.Blobs, request.BlobName, raw.Bytes, edited)
                        : null,
                };
            }
        }

        state.State.Decisions[request.RunId] = new StoredDecision { Decision = decision, BlobName = request.BlobName, DecidedAt = now };
        Prune(now);
        await state.WriteStateAsync();
        return decision;
    }

    /// <inheritdoc />
    public async Task<RuleDryRun> Test(RuleTestRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        SieveScript script;
        int? version = null;
        if (request.Source is not null)
        {
            var compilation = Compiler.Compile(request.Source);
            if (compilation.Script is null)
            {
                var diagnostics = compilation.Diagnostics.Select(RuleActionMapper.Map).ToList();
                throw new RuleScriptInvalidException($"The script has errors; first: {diagnostics.First(d => d.Severity == "error")}", diagnostics);
            }

            script = compilation.Script;
        }
        else
        {
            version = request.Version ?? state.State.ActiveVersion
                ?? throw new ArgumentException("no script is active; give a version or a script source to test.", nameof(request));
            script = CompiledVersion(version.Value);
        }

        ReadOnlyMemory<byte> raw;
        if (request.RawMessage is { Length: > 0 } given)
        {
            raw = given;
        }
        else
        {
            if (string.IsNullOrEmpty(request.Folder) || request.Uid is not { } uid)
            {
                throw new ArgumentException("give either raw_message or folder and uid of a stored message.", nameof(request));
            }

            var rules = RequireServices();
            var blob = await FindStoredMessageAsync(request.Folder, uid);
            var read = await ReadBlobAsync(rules.Blobs, blob, rules.Options.MaxMessageSize);
            raw = read.Error is null ? read.Bytes : throw new ArgumentException(read.Error, nameof(request));
        }

        // Copies of the memories: a dry run sees what a real run would, and changes nothing.
        var context = new RuleContext
        {
            Vacation = new StateVacationTracker(new Dictionary<string, DateTimeOffset>(state.State.VacationReplies, StringComparer.Ordinal)),
            Duplicates = new StateDuplicateTracker(new Dictionary<string, DateTimeOffset>(state.State.Duplicates, StringComparer.Ordinal)),
            ExistingMailboxes = await FolderNamesAsync(),
        };
        var evaluation = await (services?.Evaluator ?? DefaultEvaluator).EvaluateAsync(script, raw, context);
        return new RuleDryRun(evaluation.Actions.Select(RuleActionMapper.Map).ToList(), evaluation.Error, evaluation.Result.Log, evaluation.Spam?.Score, version);
    }

    private static readonly RuleEvaluator DefaultEvaluator = new(new MailMesh.Rules.Spam.HeuristicSpamScorer());

    private async Task<string> FindStoredMessageAsync(string folder, uint uid)
    {
        var mailbox = GrainFactory.GetGrain<MailMesh.Grains.Mailboxes.IMailboxGrain>(GrainKey);
        var folders = await mailbox.ListFolders();
        var cursor = folders.FirstOrDefault(f => f.Name == folder)
            ?? throw new ArgumentException($"folder '{folder}' is not synced for mailbox '{GrainKey}' (synced: {string.Join(", ", folders.Select(f => f.Name))}).", nameof(folder));
        return MailMesh.Grains.Mailboxes.Sync.BlobFetchSink.BlobNameFor("mail/" + GrainKey, cursor.Id, cursor.UidValidity, uid);
    }

    private async Task<IReadOnlyList<string>> FolderNamesAsync()
    {
        var folders = await GrainFactory.GetGrain<MailMesh.Grains.Mailboxes.IMailboxGrain>(GrainKey).ListFolders();
        return ["INBOX", .. folders.Select(f => f.Name)];
    }

    /// <summary>Stores the message with the script's header edits beside the original (same name + ".edited"; written again
    /// with the same bytes when a crash repeats the evaluation).</summary>
    private static async Task<string> StoreEditedAsync(IBlobStore blobs, string blobName, ReadOnlyMemory<byte> raw, IReadOnlyList<MailMesh.Sieve.Messages.SieveHeader> edited)
    {
        var bytes = MailMesh.Rules.Messages.HeaderEdits.Apply(raw, edited, HostFields);
        var name = blobName + ".edited";
        using var content = new MemoryStream(bytes, writable: false);
        await blobs.PutAsync(name, content);
        return name;
    }

    private static readonly HashSet<string> HostFields = new(StringComparer.OrdinalIgnoreCase) { RuleEvaluator.SpamScoreHeader };

    private static async Task<(ReadOnlyMemory<byte> Bytes, string? Error)> ReadBlobAsync(IBlobStore blobs, string name, long maxSize)
    {
        await using var download = await blobs.OpenReadAsync(name);
        if (download is null)
        {
            return (default, $"the message blob '{name}' does not exist");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await download.Content.ReadAsync(chunk)) > 0)
        {
            if (buffer.Length + read > maxSize)
            {
                return (default, $"the message is larger than the {maxSize}-byte limit for rules (Rules:MaxMessageSize)");
            }

            buffer.Write(chunk, 0, read);
        }

        return (buffer.ToArray(), null);
    }

    private void Prune(DateTimeOffset now)
    {
        var options = services?.Options ?? new RulesOptions();
        foreach (var key in state.State.VacationReplies.Where(p => p.Value <= now).Select(p => p.Key).ToList())
        {
            state.State.VacationReplies.Remove(key);
        }

        foreach (var key in state.State.Duplicates.Where(p => p.Value <= now).Select(p => p.Key).ToList())
        {
            state.State.Duplicates.Remove(key);
        }

        var decisions = state.State.Decisions;
        var cutoff = now - options.DecisionRetention;
        var old = decisions.Where(p => p.Value.DecidedAt < cutoff).Select(p => p.Key).ToList();
        if (decisions.Count - old.Count > options.MaxDecisions)
        {
            old.AddRange(decisions.OrderBy(p => p.Value.DecidedAt).Take(decisions.Count - old.Count - options.MaxDecisions).Select(p => p.Key));
        }

        foreach (var key in old)
        {
            decisions.Remove(key);
        }
    }

    private sealed class StateVacationTracker(Dictionary<string, DateTimeOffset> until) : IVacationTracker
    {
        public bool HasReplied(string handle, string sender, DateTimeOffset now) =>
            until.TryGetValue(Key(handle, sender), out var end) && end > now;

        public void Record(string handle, string sender, TimeSpan period, DateTimeOffset now) => until[Key(handle, sender)] = now + period;

        private static string Key(string handle, string sender) => handle + "\n" + sender.ToLowerInvariant();
    }

    private sealed class StateDuplicateTracker(Dictionary<string, DateTimeOffset> until) : IDuplicateTracker
    {
        public bool Contains(string key, DateTimeOffset now) => until.TryGetValue(key, out var end) && end > now;

        public void Record(string key, TimeSpan expiry, DateTimeOffset now) => until[key] = now + expiry;
    }
}
