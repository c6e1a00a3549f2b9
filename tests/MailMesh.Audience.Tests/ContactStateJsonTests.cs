using System.Text.Json;
using MailMesh.Audience.Contacts;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;

namespace MailMesh.Audience.Tests;

public sealed class ContactStateJsonTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 6, 30, 15, 123, TimeSpan.Zero);

    private static IEnumerable<ContactState> States()
    {
        yield return new ContactState();
        var random = new Random(3);
        for (var i = 0; i < 40; i++)
        {
            var state = new ContactState
            {
                DisplayAddress = i % 3 == 0 ? $"zoë.{i}@exämple.fr" : $"user{i}@example.com",
                RoleAddress = i % 4 == 0,
                CreatedAt = Now.AddMinutes(-i),
                UpdatedAt = Now.AddHours(i).ToOffset(TimeSpan.FromHours(i % 3)),
                Version = i,
                Engagement = i % 2 == 0 ? new ContactEngagement() : new ContactEngagement(Now.AddDays(-i), null, i, i / 2, random.NextDouble() * 100, "active \"quoted\" <tag>"),
            };
            state.Attributes["first_name"] = AttributeValue.Of(i % 5 == 0 ? "O'Brien \\ \t 日本 \u0001" : "Anne");
            state.Attributes["total_spent"] = AttributeValue.Of(random.NextDouble() * 1e6 - 5e5);
            state.Attributes["purchase_count"] = AttributeValue.Of((double)i);
            state.Attributes["birth_date"] = AttributeValue.Of(Now.AddYears(-20 - i));
            state.Attributes["vip"] = AttributeValue.Of(i % 2 == 0);
            state.Attributes["interests"] = AttributeValue.Of(i % 3 == 0 ? Array.Empty<string>() : new[] { "golf", "wine", "é" });
            state.Lists.AddRange(i % 2 == 0 ? new[] { "newsletter", "vip" } : Array.Empty<string>());
            state.Consent.Add(new ConsentEntry($"import:x:{i}", "newsletter", ConsentAction.Granted, Now, "import", "form", "203.0.113.7", "I agree"));
            if (i % 3 == 1)
            {
                state.Consent.Add(new ConsentEntry($"api:{i}", "*", ConsentAction.Withdrawn, Now.AddSeconds(1), "link", null, null, null));
                state.Suppressions.Add(new Suppression("*", SuppressionReason.Unsubscribed, Now, "one click"));
                state.Suppressions.Add(new Suppression("vip", SuppressionReason.HardBounced, Now));
            }

            yield return state;
        }
    }

    [Fact]
    public void For_DefaultRuntimeOptions_WritesWhatTheRuntimeReadsBackAsTheSameStateWithoutNulls()
    {
        var options = new GrainRuntimeOptions().JsonOptions;
        Assert.True(ContactStateJson.IsGeneralDefault(options));
        var serialize = ContactStateJson.For(options);

        foreach (var state in States())
        {
            var written = serialize(state);
            var full = JsonSerializer.SerializeToUtf8Bytes(state, options);
            // Read back by the grain (runtime options) and written again, it is exactly what the runtime writes.
            var readBack = JsonSerializer.Deserialize<ContactState>(written, options)!;
            Assert.Equal(System.Text.Encoding.UTF8.GetString(full), System.Text.Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(readBack, options)));
            Assert.DoesNotContain(":null", System.Text.Encoding.UTF8.GetString(written), StringComparison.Ordinal);
            Assert.True(written.Length <= full.Length);
        }

        // Also once the options were used (read-only, resolver filled in).
        Assert.True(ContactStateJson.IsGeneralDefault(options));
    }

    [Fact]
    public void For_CustomizedOptions_UsesThemAsTheGrainWould()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Assert.False(ContactStateJson.IsGeneralDefault(options));
        var state = States().Last();

        var written = ContactStateJson.For(options)(state);

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(state, options), written);
        Assert.Contains("\"displayAddress\"", System.Text.Encoding.UTF8.GetString(written), StringComparison.Ordinal);
        Assert.Equal(state.Version, JsonSerializer.Deserialize<ContactState>(written, options)!.Version);
    }
}
