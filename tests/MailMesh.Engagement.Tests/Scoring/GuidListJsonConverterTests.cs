using System.Text.Json;
using MailMesh.Engagement.Scoring;

namespace MailMesh.Engagement.Tests.Scoring;

/// <summary>The hit ids of an engagement state are stored as one base64 string; states stored before as a JSON array
/// read as they were.</summary>
public sealed class GuidListJsonConverterTests
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General);

    [Fact]
    public void Serialize_Ids_WritesOneBase64StringAndReadsThemBackInOrder()
    {
        var state = new ContactEngagementState { RecentIds = [Guid.CreateVersion7(), Guid.NewGuid(), Guid.Empty] };

        var json = JsonSerializer.Serialize(state, Options);
        var copy = JsonSerializer.Deserialize<ContactEngagementState>(json, Options)!;

        Assert.Equal(state.RecentIds, copy.RecentIds);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.String, document.RootElement.GetProperty("RecentIds").ValueKind);
    }

    [Fact]
    public void Deserialize_StateWithAnArrayOfIds_ReadsTheIds()
    {
        Guid[] ids = [Guid.CreateVersion7(), Guid.NewGuid()];
        var json = $$"""{"RawOpens":2,"RecentIds":["{{ids[0]}}","{{ids[1]}}"]}""";

        var state = JsonSerializer.Deserialize<ContactEngagementState>(json, Options)!;

        Assert.Equal(ids, state.RecentIds);
        Assert.Equal(2, state.RawOpens);
    }

    [Fact]
    public void Deserialize_Base64OfAPartialId_ThrowsSayingTheLength()
    {
        var json = $$"""{"RecentIds":"{{Convert.ToBase64String(new byte[20])}}"}""";

        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ContactEngagementState>(json, Options));

        Assert.Contains("20 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Copy_ListsChanged_LeavesTheOriginalAsItWas()
    {
        var state = new ContactEngagementState { RecentIds = [Guid.NewGuid()], RawOpens = 1 };

        var copy = state.Copy();
        copy.RecentIds.Add(Guid.NewGuid());
        copy.Days.Add(new DayCount(1, 1, 0));
        copy.RawOpens++;

        Assert.Single(state.RecentIds);
        Assert.Empty(state.Days);
        Assert.Equal(1, state.RawOpens);
    }
}
