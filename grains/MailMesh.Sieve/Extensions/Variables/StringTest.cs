using MailMesh.Sieve.Extensions.Core;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Variables;

/// <summary><c>string [MATCH-TYPE] [COMPARATOR] source key-list</c> (RFC 5229 section 5); empty sources do not count for :count.</summary>
internal sealed class StringTest : SieveMatchingTest
{
    public StringTest()
        : base("string", "variables", SieveArgumentKind.StringList, SieveArgumentKind.StringList)
    {
        PositionalNames = ["source", "key list"];
    }

    protected override IEnumerable<string> Values(SieveRuntime runtime, Parsing.SieveTestNode test)
    {
        var values = runtime.GetStrings(test.Args.Positional[0]);
        return test.Args.Has("count") ? values.Where(v => v.Length > 0) : values;
    }
}

/// <summary>The variables extension (RFC 5229).</summary>
internal sealed class VariablesExtension : ISieveExtension
{
    public void Register(SieveLanguage language)
    {
        language.AddCapability("variables");
        language.AddCommand(new SetCommand());
        language.AddTest(new StringTest());
    }
}
