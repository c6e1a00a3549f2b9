using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Tests;

public sealed class AttributeParsingTests
{
    [Theory]
    [InlineData("12.5", AttributeType.Number, "12.5")]
    [InlineData("2024-03-01", AttributeType.Date, "2024-03-01T00:00:00.0000000+00:00")]
    [InlineData("2024-03-01T10:00:00+02:00", AttributeType.Date, "2024-03-01T08:00:00.0000000+00:00")]
    [InlineData("Yes", AttributeType.Bool, "true")]
    [InlineData("0", AttributeType.Bool, "false")]
    [InlineData("golf; wine |golf", AttributeType.List, "golf;wine")]
    [InlineData("  Paris ", AttributeType.String, "Paris")]
    public void TryParse_WellFormedText_GivesTypedValue(string text, AttributeType type, string expected)
    {
        var value = AttributeParsing.TryParse(text, type, out var error);

        Assert.Null(error);
        Assert.Equal(type, value!.Type);
        Assert.Equal(expected, value.ToInvariantString());
    }

    [Theory]
    [InlineData("12,5", AttributeType.Number, "'12,5' is not a number")]
    [InlineData("NaN", AttributeType.Number, "not a number")]
    [InlineData("01/03/2024", AttributeType.Date, "'01/03/2024' is not a date")]
    [InlineData("maybe", AttributeType.Bool, "'maybe' is not a bool")]
    public void TryParse_TypeMismatch_SaysWhy(string text, AttributeType type, string expected)
    {
        Assert.Null(AttributeParsing.TryParse(text, type, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("first_name", null)]
    [InlineData("First_name", "'F' at position 0")]
    [InlineData("1st", "'1' at position 0")]
    [InlineData("a-b", "'-' at position 1")]
    [InlineData("x'; DROP TABLE contacts; --", "''' at position 1")]
    [InlineData("", "empty")]
    public void AttributeNameProblem_BadName_SaysWhere(string name, string? expected)
    {
        var problem = AttributeParsing.AttributeNameProblem(name);

        if (expected is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.Contains(expected, problem, StringComparison.Ordinal);
        }
    }
}
