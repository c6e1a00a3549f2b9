using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Contacts;

/// <summary>The rules of a contact change, over a <see cref="ContactState"/>: used by the contact grain and by the bulk
/// path of imports, so both apply a change the same way.</summary>
internal static class ContactEditor
{
    /// <summary>Checks the whole change before any of it is applied, so a change is applied completely or not at all.</summary>
    public static void Validate(ContactState state, ContactChange change, AttributeSchema? schema)
    {
        foreach (var (name, value) in change.Attributes ?? new Dictionary<string, AttributeValue?>())
        {
            var definition = schema!.Find(name) ?? throw new ArgumentException(
                AttributeParsing.AttributeNameProblem(name) is { } problem ? problem + "." : $"attribute '{name}' is not in the tenant's schema; define it first.",
                "attributes");
            if (value is null)
            {
                continue;
            }

            if (value.Type != definition.Type)
            {
                throw new ArgumentException(
                    $"attribute '{name}' is a {Lower(definition.Type)}; the value given is a {Lower(value.Type)}.", "attributes");
            }

            if (value.Problem() is { } valueProblem)
            {
                throw new ArgumentException($"attribute '{name}': {valueProblem}.", "attributes");
            }
        }

        foreach (var list in (change.AddLists ?? []).Concat(change.RemoveLists ?? []))
        {
            if (AttributeParsing.ListNameProblem(list) is { } problem)
            {
                throw new ArgumentException(problem + ".", "lists");
            }
        }

        var lists = state.Lists.Count + (change.AddLists?.Count ?? 0);
        if (lists > ContactGrain.MaxLists)
        {
            throw new ArgumentException($"a contact may belong to at most {ContactGrain.MaxLists} lists.", "lists");
        }

        var consent = change.Consent ?? [];
        if (state.Consent.Count + consent.Count > ContactGrain.MaxConsentEntries)
        {
            throw new ArgumentException($"the consent ledger holds at most {ContactGrain.MaxConsentEntries} entries.", "consent");
        }

        foreach (var entry in consent)
        {
            if (string.IsNullOrWhiteSpace(entry.Id) || entry.Id.Length > 200 || string.IsNullOrWhiteSpace(entry.Source) || entry.Source.Length > 200)
            {
                throw new ArgumentException("a consent entry needs an id and a source (1-200 characters each).", "consent");
            }

            if (entry.Purpose != "*" && AttributeParsing.ListNameProblem(entry.Purpose) is { } problem)
            {
                throw new ArgumentException($"consent purpose: {problem} (use '*' for all marketing mail).", "consent");
            }

            if (!Enum.IsDefined(entry.Action))
            {
                throw new ArgumentException($"consent action {(int)entry.Action} is neither granted nor withdrawn.", "consent");
            }

            if (entry.Form is { Length: > 500 } || entry.Ip is { Length: > 64 } || entry.Text is { Length: > 4000 })
            {
                throw new ArgumentException("a consent entry's form (500), ip (64) or text (4000) is too long.", "consent");
            }
        }
    }

    /// <summary>Applies a validated change; returns what changed (names for the event).</summary>
    public static List<string> Apply(ContactState s, ContactChange change)
    {
        var changes = new List<string>((change.Attributes?.Count ?? 0) + (change.AddLists?.Count ?? 0) + (change.RemoveLists?.Count ?? 0) + (change.Consent?.Count ?? 0));
        foreach (var (name, value) in change.Attributes ?? new Dictionary<string, AttributeValue?>())
        {
            if (value is null)
            {
                if (s.Attributes.Remove(name))
                {
                    changes.Add(name);
                }
            }
            else if (!s.Attributes.TryGetValue(name, out var old) || !SameValue(old, value))
            {
                s.Attributes[name] = Normalize(value);
                changes.Add(name);
            }
        }

        foreach (var list in change.AddLists ?? [])
        {
            var index = s.Lists.BinarySearch(list, StringComparer.Ordinal);
            if (index < 0)
            {
                s.Lists.Insert(~index, list);
                changes.Add("list+" + list);
            }
        }

        foreach (var list in change.RemoveLists ?? [])
        {
            var index = s.Lists.BinarySearch(list, StringComparer.Ordinal);
            if (index >= 0)
            {
                s.Lists.RemoveAt(index);
                changes.Add("list-" + list);
            }
        }

        foreach (var entry in change.Consent ?? [])
        {
            if (s.Consent.Any(e => e.Id == entry.Id))
            {
                continue;
            }

            s.Consent.Add(entry with { At = entry.At.ToUniversalTime() });
            changes.Add("consent");
            if (entry.Action == ConsentAction.Withdrawn && AddSuppression(s, new Suppression(entry.Purpose, SuppressionReason.Unsubscribed, entry.At, entry.Source)))
            {
                changes.Add("suppression");
            }
        }

        return changes;
    }

    public static bool AddSuppression(ContactState state, Suppression suppression)
    {
        if (state.Suppressions.Any(s => s.Scope == suppression.Scope && s.Reason == suppression.Reason))
        {
            return false;
        }

        state.Suppressions.Add(suppression with { At = suppression.At.ToUniversalTime() });
        return true;
    }

    private static AttributeValue Normalize(AttributeValue value) => value.Type switch
    {
        AttributeType.List => value with { List = value.List!.Distinct(StringComparer.Ordinal).ToArray() },
        AttributeType.Date => value with { Date = value.Date!.Value.ToUniversalTime() },
        _ => value,
    };

    private static bool SameValue(AttributeValue a, AttributeValue b) =>
        a.Type == b.Type && (a.Type == AttributeType.List
            ? a.List!.SequenceEqual(b.List!.Distinct(StringComparer.Ordinal), StringComparer.Ordinal)
            : a.ToInvariantString() == Normalize(b).ToInvariantString());

    /// <summary>The contact as callers see it.</summary>
    public static ContactInfo Info(string tenant, string address, ContactState s) => new(
        tenant, address, s.DisplayAddress, new Dictionary<string, AttributeValue>(s.Attributes, StringComparer.Ordinal), [.. s.Lists],
        [.. s.Consent], [.. s.Suppressions], s.Engagement, s.RoleAddress, s.CreatedAt, s.UpdatedAt, s.Version);

    /// <summary>The contact as callers see it, over the state's own collections (no copies): only for a state nobody
    /// changes afterwards (the bulk path of imports, which drops it once written).</summary>
    public static ContactInfo InfoOfFinal(string tenant, string address, ContactState s) => new(
        tenant, address, s.DisplayAddress, s.Attributes, s.Lists, s.Consent, s.Suppressions, s.Engagement, s.RoleAddress, s.CreatedAt, s.UpdatedAt, s.Version);

    /// <summary>A new contact's state for a checked address.</summary>
    public static ContactState New(AddressCheck check, DateTimeOffset now) =>
        new() { DisplayAddress = check.Display!, RoleAddress = check.RoleAddress, CreatedAt = now, UpdatedAt = now };

    private static string Lower(AttributeType type) => type.ToString().ToLowerInvariant();
}
