using MailMesh.Grains.Campaigns;
using MailMesh.Runtime;

namespace MailMesh.Campaigns.Tests.Sending.Support;

/// <summary>A template directory for grain tests: saves and returns templates as given (rendering is the composer's,
/// tested with it); preview and test sends are answered from the template text alone.</summary>
public sealed class TestTemplateDirectoryGrain([PersistentState("templates")] IPersistentState<Dictionary<string, TemplateInfo>> state)
    : Grain, ITemplateDirectoryGrain
{
    public async Task<TemplateInfo> Save(TemplateDefinition definition, bool replace)
    {
        var now = TimeProvider.GetUtcNow();
        state.State.TryGetValue(definition.Name, out var existing);
        if (existing is not null && !replace)
        {
            throw new ArgumentException($"template '{definition.Name}' exists already.", "name");
        }

        var info = new TemplateInfo(definition, (existing?.Version ?? 0) + 1, existing?.CreatedAt ?? now, now);
        state.State[definition.Name] = info;
        await state.WriteStateAsync();
        return info;
    }

    public Task<TemplateInfo?> Get(string name) => Task.FromResult(state.State.GetValueOrDefault(name));

    public Task<IReadOnlyList<TemplateInfo>> List() => Task.FromResult<IReadOnlyList<TemplateInfo>>([.. state.State.Values.OrderBy(t => t.Definition.Name, StringComparer.Ordinal)]);

    public async Task<bool> Delete(string name)
    {
        if (!state.State.Remove(name))
        {
            return false;
        }

        await state.WriteStateAsync();
        return true;
    }

    public Task<TemplatePreview> Preview(string name, string contactAddress)
    {
        var template = state.State.GetValueOrDefault(name) ?? throw new ArgumentException($"template '{name}' does not exist.", nameof(name));
        var text = template.Definition.Text ?? "";
        return Task.FromResult(new TemplatePreview(template.Definition.Subject, template.Definition.Html, text, [], text));
    }

    public Task<IReadOnlyList<TestSendOutcome>> TestSend(string name, string? contactAddress, IReadOnlyList<string> to) =>
        Task.FromResult<IReadOnlyList<TestSendOutcome>>([.. to.Select(a => new TestSendOutcome(a, false, 0, "the test template directory does not send"))]);
}
