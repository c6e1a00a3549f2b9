using MailMesh.Audience.Tests.Support;
using MailMesh.Grains.Contacts;
using Microsoft.Data.Sqlite;

namespace MailMesh.Audience.Tests;

public sealed class ContactGrainTests : IAsyncLifetime
{
    private AudienceSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await AudienceSilo.StartAsync();

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private IContactGrain Contact(string address, string tenant = "acme") => _silo.Grains.GetGrain<IContactGrain>(ContactAddress.KeyFor(tenant, address));

    private static ContactChange Change(params (string Name, AttributeValue? Value)[] attributes) =>
        new(Attributes: attributes.ToDictionary(a => a.Name, a => a.Value));

    [Fact]
    public async Task Upsert_NewContact_CreatesItAndItsReadModelRow()
    {
        var result = await Contact("Jane@Example.com").Upsert(Change(("first_name", AttributeValue.Of("Jane")), ("total_spent", AttributeValue.Of(120.5))) with
        {
            AddLists = ["newsletter"],
        });

        Assert.True(result.Created);
        Assert.Equal("jane@example.com", result.Contact.Address);
        Assert.Equal(1, result.Contact.Version);
        Assert.Equal(1, await _silo.ReadModel.GetVersionAsync("acme", "jane@example.com"));
        var page = await _silo.ReadModel.ListAsync("acme", "newsletter", null, 10);
        Assert.Equal("jane@example.com", Assert.Single(page).Address);
        var events = await _silo.EventsAsync("acme", "contact");
        Assert.Equal("contact.created", Assert.Single(events).Type);
    }

    [Fact]
    public async Task Upsert_SameValuesAgain_ChangesNothing()
    {
        var change = Change(("interests", AttributeValue.Of(["golf", "wine"])), ("birth_date", AttributeValue.Of(new DateTimeOffset(1980, 5, 1, 0, 0, 0, TimeSpan.Zero))));
        await Contact("jane@example.com").Upsert(change);

        var again = await Contact("jane@example.com").Upsert(change);

        Assert.False(again.Changed);
        Assert.Equal(1, again.Contact.Version);
        Assert.Single(await _silo.EventsAsync("acme", "contact"));
    }

    [Fact]
    public async Task Upsert_UnknownAttribute_IsRefusedAndNothingApplied()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            Contact("jane@example.com").Upsert(Change(("first_name", AttributeValue.Of("Jane")), ("shoe_size", AttributeValue.Of(42)))));

        Assert.Contains("'shoe_size' is not in the tenant's schema", error.Message, StringComparison.Ordinal);
        Assert.Null(await Contact("jane@example.com").Get());
        Assert.Null(await _silo.ReadModel.GetVersionAsync("acme", "jane@example.com"));
    }

    [Fact]
    public async Task Upsert_WrongType_SaysWhichAttributeAndTypes()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Contact("jane@example.com").Upsert(Change(("total_spent", AttributeValue.Of("lots")))));

        Assert.Contains("attribute 'total_spent' is a number; the value given is a string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upsert_HostileAttributeName_IsRefusedByName()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            Contact("jane@example.com").Upsert(Change(("x'); DROP TABLE contacts; --", AttributeValue.Of("1")))));

        Assert.Contains("has ''' at position 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upsert_CustomAttributeAfterDefine_IsStored()
    {
        await _silo.Grains.GetGrain<IContactSchemaGrain>("acme/contact-schema").Define(new AttributeDefinition("shoe_size", AttributeType.Number));

        var result = await Contact("jane@example.com").Upsert(Change(("shoe_size", AttributeValue.Of(42))));

        Assert.Equal(42, result.Contact.Attributes["shoe_size"].Number);
    }

    [Fact]
    public async Task Define_ExistingAttributeWithOtherType_IsRefused()
    {
        var schema = _silo.Grains.GetGrain<IContactSchemaGrain>("acme/contact-schema");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => schema.Define(new AttributeDefinition("country", AttributeType.Number)));

        Assert.Contains("'country' is already defined as string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upsert_ConsentEntryTwice_IsRecordedOnce()
    {
        var entry = new ConsentEntry("import:1:7", "newsletter", ConsentAction.Granted, DateTimeOffset.UnixEpoch, "import:list.csv", Ip: "192.0.2.7");
        await Contact("jane@example.com").Upsert(new ContactChange(Consent: [entry]));

        var again = await Contact("jane@example.com").Upsert(new ContactChange(Consent: [entry]));

        Assert.Equal("import:1:7", Assert.Single(again.Contact.Consent).Id);
    }

    [Fact]
    public async Task Unsubscribe_Everything_MakesContactUnmailableAndUpsertDoesNotLiftIt()
    {
        await Contact("jane@example.com").Upsert(new ContactChange(AddLists: ["newsletter"]));

        var unsubscribed = await Contact("jane@example.com").Unsubscribe("*", "one-click", null);
        var reimported = await Contact("jane@example.com").Upsert(new ContactChange(
            AddLists: ["newsletter"],
            Consent: [new ConsentEntry("import:9:1", "*", ConsentAction.Granted, DateTimeOffset.UnixEpoch, "import:again.csv")]));

        Assert.False(unsubscribed.Mailable);
        Assert.False(reimported.Contact.Mailable);
        Assert.Equal([ConsentAction.Withdrawn, ConsentAction.Granted], reimported.Contact.Consent.Select(c => c.Action));
        Assert.False(Assert.Single(await _silo.ReadModel.ListAsync("acme", null, null, 10)).Mailable);
        Assert.Contains(await _silo.EventsAsync("acme", "contact"), e => e.Type == "contact.unsubscribed");
    }

    [Fact]
    public async Task Unsubscribe_OneList_KeepsContactMailableForOthers()
    {
        await Contact("jane@example.com").Upsert(new ContactChange(AddLists: ["newsletter", "offers"]));

        var contact = await Contact("jane@example.com").Unsubscribe("offers", "preference-center", null);

        Assert.True(contact.Mailable);
        Assert.True(contact.MailableFor("newsletter"));
        Assert.False(contact.MailableFor("offers"));
    }

    [Fact]
    public async Task Suppress_UnknownAddress_CreatesSuppressedContact()
    {
        var contact = await Contact("bounced@example.com").Suppress(SuppressionReason.HardBounced, "550 5.1.1 user unknown");

        Assert.False(contact.Mailable);
        Assert.Equal(SuppressionReason.HardBounced, Assert.Single(contact.Suppressions).Reason);
        var types = (await _silo.EventsAsync("acme", "contact")).Select(e => e.Type);
        Assert.Equal(["contact.created", "contact.suppressed"], types);
    }

    [Fact]
    public async Task Unsuppress_ManualSuppression_MakesContactMailableAgain()
    {
        await Contact("jane@example.com").Suppress(SuppressionReason.Manual, "asked by phone");

        var contact = await Contact("jane@example.com").Unsuppress("*", SuppressionReason.Manual, "key:k1");

        Assert.True(contact.Mailable);
    }

    [Fact]
    public async Task Delete_Contact_RemovesStateRowAndEmitsEvent()
    {
        await Contact("jane@example.com").Upsert(new ContactChange(AddLists: ["newsletter"]));

        await Contact("jane@example.com").Delete();

        Assert.Null(await Contact("jane@example.com").Get());
        Assert.Null(await _silo.ReadModel.GetVersionAsync("acme", "jane@example.com"));
        Assert.Empty(await _silo.ReadModel.ListAsync("acme", "newsletter", null, 10));
        Assert.Equal("contact.deleted", (await _silo.EventsAsync("acme", "contact"))[^1].Type);
    }

    [Fact]
    public async Task Activate_ReadModelRowLost_WritesRowAgain()
    {
        await Contact("jane@example.com").Upsert(Change(("country", AttributeValue.Of("FR"))));
        await _silo.RestartAsync();
        await using (var connection = new SqliteConnection($"Data Source={_silo.ReadModelPath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM contacts";
            await command.ExecuteNonQueryAsync();
        }

        var contact = await Contact("jane@example.com").Get();

        Assert.Equal(contact!.Version, await _silo.ReadModel.GetVersionAsync("acme", "jane@example.com"));
    }

    [Fact]
    public async Task Get_OtherTenantSameAddress_IsSeparate()
    {
        await Contact("jane@example.com", "acme").Upsert(Change(("country", AttributeValue.Of("FR"))));

        Assert.Null(await Contact("jane@example.com", "globex").Get());
        Assert.Equal(0, await _silo.ReadModel.CountAsync("globex"));
    }

    [Fact]
    public async Task Upsert_KeyNotNormalized_IsRefused()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _silo.Grains.GetGrain<IContactGrain>("acme/Jane@Example.com").Upsert(new ContactChange()));

        Assert.Contains("use 'jane@example.com'", error.Message, StringComparison.Ordinal);
    }
}
