using System.Text;
using MailMesh.Runtime;
using MailMesh.Sieve;

namespace MailMesh.Grains.Rules;

/// <summary>The rules of one mailbox: script versions, memories, dry runs and rule-run decisions
/// (see <see cref="IMailboxRulesGrain"/> and docs/adr/rules-01-exactly-once-rule-runs.md).
/// <paramref name="services"/> is null in silos without <see cref="RulesServiceCollectionExtensions.AddMailboxRules"/>:
/// scripts can then be managed but not run.</summary>
public sealed partial class MailboxRulesGrain(
    [PersistentState("rules")] IPersistentState<MailboxRulesState> state,
    RulesServices? services = null) : Grain, IMailboxRulesGrain
{
    private static readonly SieveCompiler DefaultCompiler = new();
    private readonly Dictionary<int, SieveScript> _compiled = [];

    private SieveCompiler Compiler => services?.Compiler ?? DefaultCompiler;

    /// <inheritdoc />
    public async Task<RuleScriptVersion> Upload(UploadRuleScript request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Source);
        var compilation = Compiler.Compile(request.Source);
        var diagnostics = compilation.Diagnostics.Select(RuleActionMapper.Map).ToList();
        if (compilation.Script is null)
        {
            var errors = diagnostics.Where(d => d.Severity == "error").ToList();
            throw new RuleScriptInvalidException(
                $"The script has {errors.Count} error(s); first: {errors[0]}", diagnostics);
        }

        var stored = new StoredRuleScript
        {
            Version = state.State.NextVersion++,
            Source = request.Source,
            CreatedAt = TimeProvider.GetUtcNow(),
            Author = request.Author,
            Comment = request.Comment,
        };
        state.State.Versions.Add(stored);
        _compiled[stored.Version] = compilation.Script;
        RaiseEvent("rule.script_uploaded", GrainKey, new { version = stored.Version, size = Encoding.UTF8.GetByteCount(stored.Source), author = stored.Author, comment = stored.Comment });
        if (request.Activate)
        {
            SetActive(stored.Version, request.Author);
        }

        await state.WriteStateAsync();
        return new RuleScriptVersion(Info(stored), stored.Source, diagnostics.Where(d => d.Severity == "warning").ToList());
    }

    /// <inheritdoc />
    public Task<RuleValidation> Validate(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var compilation = Compiler.Compile(source);
        return Task.FromResult(new RuleValidation(
            compilation.Success,
            compilation.Diagnostics.Select(RuleActionMapper.Map).ToList(),
            compilation.Script?.RequiredExtensions.Order(StringComparer.Ordinal).ToList() ?? []));
    }

    /// <inheritdoc />
    public Task<RuleScriptVersion?> Get(int? version)
    {
        var wanted = version ?? state.State.ActiveVersion;
        var stored = wanted is null ? null : state.State.Versions.Find(v => v.Version == wanted);
        return Task.FromResult(stored is null ? null : new RuleScriptVersion(Info(stored), stored.Source, []));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RuleScriptVersionInfo>> List()
    {
        IReadOnlyList<RuleScriptVersionInfo> list = state.State.Versions.OrderByDescending(v => v.Version).Select(Info).ToList();
        return Task.FromResult(list);
    }

    /// <inheritdoc />
    public async Task<RuleScriptVersionInfo> Activate(int version, string? actor)
    {
        var stored = state.State.Versions.Find(v => v.Version == version)
            ?? throw new ArgumentException($"version {version} does not exist (stored: {string.Join(", ", state.State.Versions.Select(v => v.Version))}).", nameof(version));
        SetActive(version, actor);
        await state.WriteStateAsync();
        return Info(stored);
    }

    /// <inheritdoc />
    public async Task Deactivate(string? actor)
    {
        if (state.State.ActiveVersion is { } previous)
        {
            state.State.ActiveVersion = null;
            RaiseEvent("rule.script_deactivated", GrainKey, new { previousVersion = previous, actor });
            await state.WriteStateAsync();
        }
    }

    private void SetActive(int version, string? actor)
    {
        var previous = state.State.ActiveVersion;
        state.State.ActiveVersion = version;
        RaiseEvent("rule.script_activated", GrainKey, new { version, previousVersion = previous, actor });
    }

    private RuleScriptVersionInfo Info(StoredRuleScript s) =>
        new(s.Version, s.CreatedAt, s.Author, s.Comment, Encoding.UTF8.GetByteCount(s.Source), s.Version == state.State.ActiveVersion);

    /// <summary>The compiled script of a stored version (compiled once per activation).</summary>
    private SieveScript CompiledVersion(int version)
    {
        if (_compiled.TryGetValue(version, out var script))
        {
            return script;
        }

        var stored = state.State.Versions.Find(v => v.Version == version)
            ?? throw new ArgumentException($"version {version} does not exist.", nameof(version));
        // Stored versions compiled when they were uploaded; a failure here means the engine changed since.
        script = Compiler.CompileOrThrow(stored.Source);
        _compiled[version] = script;
        return script;
    }

    private RulesServices RequireServices() => services ?? throw new InvalidOperationException(
        "Rules are not set up in this silo: register them with services.AddMailboxRules(configuration).");
}
