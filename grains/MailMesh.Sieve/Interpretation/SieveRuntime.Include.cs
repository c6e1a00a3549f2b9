namespace MailMesh.Sieve.Interpretation;

public sealed partial class SieveRuntime
{
    /// <summary>
    /// Runs an included script (RFC 6609): resolved through the script resolver, compiled with the
    /// same language, loops and excessive depth refused, :once scripts run once per execution.
    /// </summary>
    public void Include(string name, SieveScriptLocation location, bool once, bool optional, SourcePosition position)
    {
        var key = $"{location}:{name}";

        // RFC 6609 3.2: with :once a script that was already included (in any way) is skipped, even recursively.
        if (once && !MarkIncludedOnce(key))
        {
            return;
        }

        for (var frame = Frame; frame is not null; frame = frame.Parent)
        {
            if (frame.Script.Name == key)
            {
                throw Fail($"include loop: '{name}' ({location.ToString().ToLowerInvariant()}) includes itself, directly or through other scripts", position);
            }
        }

        if (Frame.Depth + 1 > Limits.MaxIncludeDepth)
        {
            throw Fail($"includes are nested too deeply: the limit is {Limits.MaxIncludeDepth}", position);
        }

        var source = Options.ScriptResolver?.Resolve(name, location);
        if (source is null)
        {
            if (optional)
            {
                return;
            }

            throw Fail($"include: the {location.ToString().ToLowerInvariant()} script '{name}' does not exist", position);
        }

        if (CountIncluded(key) > Limits.MaxIncludedScripts)
        {
            throw Fail($"too many included scripts: the limit is {Limits.MaxIncludedScripts}", position);
        }

        var compilation = Compile(source, key);
        if (compilation.Script is null)
        {
            var first = compilation.Errors.First();
            throw Fail($"include: the {location.ToString().ToLowerInvariant()} script '{name}' does not compile: {first.Position}: {first.Message}", position);
        }

        MarkIncludedOnce(key);
        RunNested(compilation.Script, location);
    }
}
