using System.Text.Json;
using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.Tests;

public sealed class SendIdTests
{
    [Fact]
    public void For_SameInputs_SameIdAndDifferentInputsDiffer()
    {
        Assert.Equal(SendId.For("acme", "c1", "a@example.com"), SendId.For("acme", "c1", "a@example.com"));
        Assert.NotEqual(SendId.For("acme", "c1", "a@example.com"), SendId.For("acme", "c2", "a@example.com"));
        Assert.NotEqual(SendId.For("acme", "c1", "a@example.com"), SendId.For("acme2", "c1", "a@example.com"));
    }

    [Fact]
    public void ToString_ThenParse_RoundTripsForManyIds()
    {
        var bytes = new byte[SendId.Length];
        for (var i = 0; i < 2000; i++)
        {
            var id = SendId.For("t", "c", $"user{i}@example.com");
            var text = id.ToString();
            Assert.Equal(SendId.TextLength, text.Length);
            Assert.Matches("^[a-z2-7]{20}$", text);
            Assert.Equal(id, SendId.Parse(text));
            Assert.Equal(id, SendId.Parse(text.ToUpperInvariant()));
            id.WriteBytes(bytes);
            Assert.Equal(id, SendId.FromBytes(bytes));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("aaaaaaaaaaaaaaaaaaa1")]
    [InlineData("aaaaaaaaaaaaaaaaaaab")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaa")]
    public void TryParse_NotASendId_ReturnsFalse(string text) => Assert.False(SendId.TryParse(text, out _));

    [Fact]
    public void Json_WritesTheTextForm()
    {
        var id = SendId.For("t", "c", "a@example.com");
        var json = JsonSerializer.Serialize(id);

        Assert.Equal($"\"{id}\"", json);
        Assert.Equal(id, JsonSerializer.Deserialize<SendId>(json));
    }
}
