using MailMesh.Audience.ReadModel;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;

namespace MailMesh.Audience.Contacts;

/// <summary>Answers queries over a tenant's contacts from the read model; it holds no state.</summary>
public sealed class ContactDirectoryGrain(IContactReadModel readModel) : Grain, IContactDirectoryGrain
{
    /// <summary>Largest page.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The directory grain's key for <paramref name="tenant"/>.</summary>
    public static string KeyFor(string tenant) => tenant + "/contacts";

    /// <inheritdoc />
    public async Task<ContactPage> List(string? list, string? after, int limit)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"page_size must be 1-{MaxPageSize}.");
        }

        if (list is not null && AttributeParsing.ListNameProblem(list) is { } problem)
        {
            throw new ArgumentException(problem + ".", nameof(list));
        }

        var contacts = await readModel.ListAsync(GrainId.Tenant, list, after, limit);
        return new ContactPage(contacts, await readModel.CountAsync(GrainId.Tenant));
    }
}
