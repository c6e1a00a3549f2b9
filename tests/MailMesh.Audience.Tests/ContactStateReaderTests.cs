using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MailMesh.Audience.Contacts;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;

namespace MailMesh.Audience.Tests;

public sealed class ContactStateReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 14, 30, 15, 123, TimeSpan.Zero);
    private static readonly JsonSerializerOptions Runtime = new GrainRuntimeOptions().JsonOptions;

    /// <summary>Varied states, as imports, the API, tracking and unsubscribes leave them (seeded).</summary>
    private static IEnumerable<ContactState> States()
    {
        yield return new ContactState();
        var random = new Random(15);
        for (var i = 0; i < 60; i++)
        {
            var state = new ContactState
            {
                DisplayAddress = i % 3 == 0 ? $"zoë.{i}@exämple.fr" : $"user{i}@example.com",
                RoleAddress = i % 4 == 0,
                CreatedAt = Now.AddMinutes(-i).AddTicks(i * 7),
                UpdatedAt = Now.AddHours(i).ToOffset(TimeSpan.FromMinutes(30 * (i % 5))),
                Version = i * 1_000_000_007L,
                Engagement = (i % 3) switch
                {
                    0 => new ContactEngagement(),
                    1 => new ContactEngagement(Now.AddDays(-i), Now.AddDays(-i).AddSeconds(3), i, i / 2, random.NextDouble() * 100, "active \"quoted\" <tag>"),
                    _ => new ContactEngagement(null, Now, 0, long.MaxValue - i, -0.0, null),
                },
            };
            state.Attributes["first_name"] = AttributeValue.Of(i % 5 == 0 ? "O'Brien \\ \t 日本 \u0001 \ud83d\ude00" : "Anne");
            state.Attributes["total_spent"] = AttributeValue.Of(random.NextDouble() * 1e6 - 5e5);
            state.Attributes["tiny"] = AttributeValue.Of(double.Epsilon * i);
            state.Attributes["purchase_count"] = AttributeValue.Of((double)i);
            state.Attributes["birth_date"] = AttributeValue.Of(Now.AddYears(-20 - i));
            state.Attributes["vip"] = AttributeValue.Of(i % 2 == 0);
            state.Attributes["interests"] = AttributeValue.Of(i % 3 == 0 ? Array.Empty<string>() : new[] { "golf", "wine", "é", "" });
            if (i % 7 == 0)
            {
                // A value with members of several types set, as a hand-written state could hold.
                state.Attributes["odd"] = new AttributeValue(AttributeType.Number, "text", 1.5, Now, true, ["x"]);
            }

            state.Lists.AddRange(i % 2 == 0 ? ["newsletter", "vip", "ünï"] : []);
            state.Consent.Add(new ConsentEntry($"import:x:{i}", "newsletter", ConsentAction.Granted, Now, "import", "form", "203.0.113.7", "I agree"));
            if (i % 3 == 1)
            {
                state.Consent.Add(new ConsentEntry($"api:{i}", "*", ConsentAction.Withdrawn, Now.AddSeconds(1), "link", null, null, null));
                state.Suppressions.Add(new Suppression("*", SuppressionReason.Unsubscribed, Now, "one click"));
                state.Suppressions.Add(new Suppression("vip", SuppressionReason.HardBounced, Now));
                state.Suppressions.Add(new Suppression("newsletter", SuppressionReason.Complained, Now.ToOffset(TimeSpan.FromHours(-5)), null));
            }

            yield return state;
        }
    }

    /// <summary>What the serializer reads from <paramref name="json"/>, written again: two states are the same when this is.</summary>
    private static string Canonical(ContactState? state) => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(state, Runtime));

    [Fact]
    public void TryRead_StatesAsTheRuntimeWritesThem_ReadsWhatTheSerializerReads()
    {
        var compact = ContactStateJson.For(Runtime);
        foreach (var state in States())
        {
            foreach (var json in new[] { compact(state), JsonSerializer.SerializeToUtf8Bytes(state, Runtime) })
            {
                Assert.True(ContactStateReader.TryRead(json, out var read), Encoding.UTF8.GetString(json));
                Assert.Equal(Canonical(JsonSerializer.Deserialize<ContactState>(json, Runtime)), Canonical(read));
            }
        }
    }

    /// <summary>The reader skips members it does not know, as the serializer does: a member added to the stored shape
    /// would be dropped on the campaign path without a word. These are the members the reader reads; a change to the
    /// shape fails here until ContactStateReader reads the new member too.</summary>
    [Theory]
    [InlineData(typeof(ContactState), "DisplayAddress Attributes Lists Consent Suppressions Engagement RoleAddress CreatedAt UpdatedAt Version")]
    [InlineData(typeof(AttributeValue), "Type String Number Date Bool List")]
    [InlineData(typeof(ConsentEntry), "Id Purpose Action At Source Form Ip Text")]
    [InlineData(typeof(Suppression), "Scope Reason At Detail")]
    [InlineData(typeof(ContactEngagement), "LastOpenAt LastClickAt Opens Clicks Score Status")]
    public void Members_OfTheStoredShape_AreTheOnesTheReaderReads(Type type, string members)
    {
        var options = new JsonSerializerOptions(Runtime) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

        var written = options.GetTypeInfo(type).Properties.Select(p => p.Name).Order(StringComparer.Ordinal);

        Assert.Equal(members.Split(' ').Order(StringComparer.Ordinal), written);
    }

    [Fact]
    public void TryRead_TypesOfTheState_AreTheSerializers()
    {
        var state = States().ElementAt(8);
        var json = ContactStateJson.For(Runtime)(state);

        Assert.True(ContactStateReader.TryRead(json, out var read));
        var expected = JsonSerializer.Deserialize<ContactState>(json, Runtime)!;
        Assert.Equal(expected.Attributes.GetType(), read!.Attributes.GetType());
        Assert.Equal(expected.Attributes["interests"].List!.GetType(), read.Attributes["interests"].List!.GetType());
        Assert.Equal(expected.Attributes["interests"].List!, read.Attributes["interests"].List!);
        Assert.Equal(expected.Engagement, read.Engagement);
        Assert.Equal(expected.Consent, read.Consent);
        Assert.Equal(expected.Suppressions, read.Suppressions);
        Assert.Equal(expected.UpdatedAt.Offset, read.UpdatedAt.Offset);
    }

    [Theory]
    [InlineData("{\"Unknown\":{\"a\":[1,{\"b\":null}]},\"Version\":3,\"Later\":\"x\"}")]
    [InlineData("{\"Version\":3,\"Version\":4}")]
    [InlineData("{\"Attributes\":{\"a\":{\"Type\":0,\"String\":\"x\"},\"a\":{\"Type\":1,\"Number\":2}}}")]
    [InlineData("{\"Attributes\":{\"a\":{\"Type\":4,\"List\":null,\"Extra\":true}}}")]
    [InlineData("{\"Consent\":[{\"Purpose\":\"*\"}],\"Suppressions\":[{}]}")]
    [InlineData("{\"Suppressions\":[{\"Scope\":\"*\",\"Reason\":42,\"At\":\"2026-01-02T03:04:05+01:00\"}]}")]
    [InlineData("{\"\\u0056ersion\":5,\"DisplayAddress\":\"a\\u00e9\\\"b@example.com\"}")]
    [InlineData("{\"Engagement\":{\"Score\":1e300,\"Opens\":-1},\"RoleAddress\":true}")]
    [InlineData(" {\"Lists\":[\"b\",\"a\"]} \n")]
    [InlineData("{}")]
    public void TryRead_OtherShapesItReads_ReadsWhatTheSerializerReads(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        Assert.True(ContactStateReader.TryRead(bytes, out var read));
        Assert.Equal(Canonical(JsonSerializer.Deserialize<ContactState>(bytes, Runtime)), Canonical(read));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"Engagement\":null}")]
    [InlineData("{\"Lists\":null}")]
    [InlineData("{\"Lists\":[\"a\",null]}")]
    [InlineData("{\"Attributes\":null}")]
    [InlineData("{\"Consent\":[null]}")]
    [InlineData("{\"Version\":\"1\"}")]
    [InlineData("{\"Version\":1.5}")]
    [InlineData("{\"CreatedAt\":null}")]
    [InlineData("{\"CreatedAt\":\"yesterday\"}")]
    [InlineData("{\"RoleAddress\":1}")]
    [InlineData("{\"Engagement\":{\"Opens\":1,\"Opens\":2}}")]
    [InlineData("{\"Attributes\":{\"a\":{\"Type\":\"String\"}}}")]
    [InlineData("{\"Attributes\":{\"a\":{\"Type\":0,\"Type\":1}}}")]
    [InlineData("{\"Suppressions\":[{\"Reason\":3000000000}]}")]
    [InlineData("{\"Version\":1} {}")]
    [InlineData("{\"Version\":1,}")]
    [InlineData("{\"Version\":1")]
    public void TryRead_ShapesOnlyTheSerializerDecides_GivesThemBack(string json)
    {
        Assert.False(ContactStateReader.TryRead(Encoding.UTF8.GetBytes(json), out var read));
        Assert.Null(read);
    }

    [Fact]
    public void TryRead_NumbersBeyondTheDoubleRange_AreInfiniteAsTheSerializerReadsThem()
    {
        var bytes = "{\"Engagement\":{\"Score\":1e400},\"Attributes\":{\"n\":{\"Type\":1,\"Number\":-1e999}}}"u8.ToArray();
        var expected = JsonSerializer.Deserialize<ContactState>(bytes, Runtime)!;

        Assert.True(ContactStateReader.TryRead(bytes, out var read));
        Assert.Equal(double.PositiveInfinity, expected.Engagement.Score);
        Assert.Equal(expected.Engagement, read!.Engagement);
        Assert.Equal(expected.Attributes["n"], read.Attributes["n"]);
    }

    [Theory]
    [InlineData("{\"Version\":9223372036854775808}")]
    [InlineData("{\"UpdatedAt\":\"2026-02-30T00:00:00Z\"}")]
    [InlineData("{\"Lists\":[\"a\"]}x")]
    public void TryRead_PayloadTheSerializerRefuses_IsLeftToIt(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<ContactState>(bytes, Runtime));
        Assert.False(ContactStateReader.TryRead(bytes, out _));
    }
}
