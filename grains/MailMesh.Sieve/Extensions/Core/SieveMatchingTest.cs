using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Matching;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Core;

/// <summary>A test that matches values from the message against a key list with a comparator and match type.</summary>
public abstract class SieveMatchingTest : SieveTestDefinition
{
    /// <summary>Creates the definition; the key list is the last positional argument.</summary>
    protected SieveMatchingTest(string name, string? extension, params SieveArgumentKind[] positional)
        : base(name, extension, positional)
    {
        AddTags(SieveMatcher.Tags);
    }

    /// <inheritdoc />
    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        node.Annotation = SieveMatcher.Create(context, node, KeyArgument(node));
        if (node.Args.Has("last") && !node.Args.Has("index"))
        {
            context.Error(node.Position, $"the {node.Name} test has :last without :index: :last counts :index from the end");
        }

        if (node.Args.Value("index") is SieveNumberArgument { Value: < 1 } index)
        {
            context.Error(index.Position, $"the {node.Name} test's :index must be 1 or more, not {index.Value}");
        }
    }

    /// <inheritdoc />
    public override bool Evaluate(SieveRuntime runtime, SieveTestNode test)
    {
        var matcher = (SieveMatcher)test.Annotation!;
        var keys = runtime.GetStrings(KeyArgument(test)!);
        return matcher.Match(runtime, Values(runtime, test), keys, SetsMatchValues);
    }

    /// <summary>False for tests that must leave match variables alone (body, RFC 5173 section 6).</summary>
    protected virtual bool SetsMatchValues => true;

    /// <summary>The key list argument (default: the last positional).</summary>
    protected virtual SieveArgument? KeyArgument(SieveNode node) => node.Args.Positional.Count > 0 ? node.Args.Positional[^1] : null;

    /// <summary>The values to match.</summary>
    protected abstract IEnumerable<string> Values(SieveRuntime runtime, SieveTestNode test);

    /// <summary>The :index/:last selection of a node, or null.</summary>
    protected static (int? Index, bool Last) IndexOf(SieveNode node) =>
        (node.Args.Value("index") is SieveNumberArgument n ? (int)Math.Min(n.Value, int.MaxValue) : null, node.Args.Has("last"));
}
