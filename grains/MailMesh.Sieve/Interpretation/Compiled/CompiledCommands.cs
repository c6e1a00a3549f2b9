using MailMesh.Sieve.Extensions.Imap4Flags;
using MailMesh.Sieve.Parsing;

namespace MailMesh.Sieve.Interpretation.Compiled;

/// <summary>
/// <c>addflag</c> on the internal variable with constant flags: the flags are split and de-duplicated once, and
/// added in place. That equals the definition's <c>Normalize(current + flags)</c> whenever the current flags are
/// already normalized (no blanks, no empty or case-insensitively repeated flag), which every writer keeps them;
/// when they are not, the definition runs.
/// </summary>
internal sealed class AddFlagCommand(SieveCommandNode node, List<string> flags)
{
    /// <summary>The compiled command when <paramref name="command"/> qualifies, else null.</summary>
    public static AddFlagCommand? TryCreate(SieveCommandNode command)
    {
        if (command.Definition is not FlagCommand || command.Name != "addflag" || command.Args.Positional.Count != 1
            || command.Args.Positional[0] is not SieveStringListArgument list || list.Items.Any(i => i.HasVariables))
        {
            return null;
        }

        return new AddFlagCommand(command, FlagList.Normalize(list.Items.Select(i => i.Value)));
    }

    public void Execute(SieveRuntime runtime)
    {
        var current = runtime.InternalFlags;
        if (!IsNormalized(current))
        {
            node.Definition!.Execute(runtime, node);
            return;
        }

        foreach (var flag in flags)
        {
            var present = false;
            for (var i = 0; i < current.Count && !present; i++)
            {
                present = current[i].Equals(flag, StringComparison.OrdinalIgnoreCase);
            }

            if (!present)
            {
                current.Add(flag);
            }
        }
    }

    private static bool IsNormalized(List<string> flags)
    {
        for (var i = 0; i < flags.Count; i++)
        {
            var flag = flags[i];
            if (flag.Length == 0 || flag.Contains(' ', StringComparison.Ordinal) || char.IsWhiteSpace(flag[0]) || char.IsWhiteSpace(flag[^1]))
            {
                return false;
            }

            for (var j = 0; j < i; j++)
            {
                if (flags[j].Equals(flag, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
