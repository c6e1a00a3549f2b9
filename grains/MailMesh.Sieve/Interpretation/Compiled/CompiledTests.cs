using MailMesh.Sieve.Extensions.Core;
using MailMesh.Sieve.Matching;
using MailMesh.Sieve.Parsing;

namespace MailMesh.Sieve.Interpretation.Compiled;

/// <summary>A test bound to its constant arguments; counts its step like <see cref="SieveRuntime.Evaluate"/>.</summary>
internal abstract class CompiledTest(SieveTestNode node)
{
    protected SieveTestNode Node => node;

    public virtual bool Evaluate(SieveRuntime runtime)
    {
        runtime.Step(node.Position);
        return Test(runtime);
    }

    protected abstract bool Test(SieveRuntime runtime);
}

/// <summary>Any test the program does not specialize: run by its definition.</summary>
internal sealed class DefinitionTest(SieveTestNode node) : CompiledTest(node)
{
    public override bool Evaluate(SieveRuntime runtime) => runtime.Evaluate(Node);

    protected override bool Test(SieveRuntime runtime) => Node.Definition!.Evaluate(runtime, Node);
}

/// <summary><c>true</c> / <c>false</c>.</summary>
internal sealed class ConstantValueTest(SieveTestNode node, bool value) : CompiledTest(node)
{
    protected override bool Test(SieveRuntime runtime) => value;
}

/// <summary><c>not</c>.</summary>
internal sealed class NotTest(SieveTestNode node, CompiledTest inner) : CompiledTest(node)
{
    protected override bool Test(SieveRuntime runtime) => !inner.Evaluate(runtime);
}

/// <summary><c>allof</c>, short-circuit.</summary>
internal sealed class AllOfTest(SieveTestNode node, CompiledTest[] tests) : CompiledTest(node)
{
    protected override bool Test(SieveRuntime runtime)
    {
        foreach (var test in tests)
        {
            if (!test.Evaluate(runtime))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary><c>anyof</c>, short-circuit.</summary>
internal sealed class AnyOfTest(SieveTestNode node, CompiledTest[] tests) : CompiledTest(node)
{
    protected override bool Test(SieveRuntime runtime)
    {
        foreach (var test in tests)
        {
            if (test.Evaluate(runtime))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary><c>exists</c> with constant header names.</summary>
internal sealed class HeaderExistsTest(SieveTestNode node, string[] names) : CompiledTest(node)
{
    protected override bool Test(SieveRuntime runtime)
    {
        foreach (var name in names)
        {
            if (!runtime.Headers.Contains(name))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary><c>size :over|:under</c>.</summary>
internal sealed class MessageSizeTest(SieveTestNode node, long limit, bool over) : CompiledTest(node)
{
    protected override bool Test(SieveRuntime runtime)
    {
        var size = runtime.Message.Size + runtime.Headers.SizeDelta;
        return over ? size > limit : size < limit;
    }
}

/// <summary><c>header</c> with constant names and keys (any match type but :count).</summary>
internal sealed class HeaderValuesTest(SieveTestNode node, string[] names, string[] keys, SieveMatcher matcher, (int? Index, bool Last) index) : CompiledTest(node)
{
    protected override bool Test(SieveRuntime runtime)
    {
        // One name after the other gives the values in the order the reference path reads them.
        foreach (var name in names)
        {
            if (matcher.Match(runtime, MessageValues.Header(runtime, name, index.Index, index.Last), keys))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary><c>address</c> with constant header names and keys (any match type but :count).</summary>
internal sealed class AddressValuesTest(SieveTestNode node, string[] names, string[] keys, SieveMatcher matcher, string part, (int? Index, bool Last) index) : CompiledTest(node)
{
    protected override bool Test(SieveRuntime runtime)
    {
        foreach (var name in names)
        {
            if (matcher.Match(runtime, MessageValues.Addresses(runtime, name, part, index.Index, index.Last), keys))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// <c>body :raw :contains</c> with constant ASCII keys and i;ascii-casemap or i;octet: searched in the raw bytes
/// (no text is built); falls back to the definition when the message offers no bytes.
/// </summary>
internal sealed class RawBodyContainsTest(SieveTestNode node, byte[][] keys, bool ignoreCase) : CompiledTest(node)
{
    /// <summary>The keys as bytes when the test qualifies, else null.</summary>
    public static byte[][]? Accepts(SieveTestNode test, string[]? keys)
    {
        if (keys is null || test.Annotation is not SieveMatcher { MatchType: SieveMatchType.Contains } matcher
            || (matcher.Comparator != SieveComparator.AsciiCaseMap && matcher.Comparator != SieveComparator.Octet))
        {
            return null;
        }

        var bytes = new byte[keys.Length][];
        for (var i = 0; i < keys.Length; i++)
        {
            if (AsciiBytes.ToAscii(keys[i]) is not { } key)
            {
                return null;
            }

            bytes[i] = key;
        }

        return bytes;
    }

    protected override bool Test(SieveRuntime runtime)
    {
        var root = runtime.Message.Root;
        if (root.RawBytes is not { } raw)
        {
            return Node.Definition!.Evaluate(runtime, Node);
        }

        if (!root.HasBody)
        {
            return false;
        }

        // The steps of the reference matcher: one per key tried against the one value.
        var text = raw.Span;
        foreach (var key in keys)
        {
            runtime.Step(default);
            if (AsciiBytes.Contains(text, key, ignoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
