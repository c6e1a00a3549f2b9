using System.Globalization;
using System.Text.RegularExpressions;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>The repository's Dockerfile for the silo.</summary>
internal static partial class Dockerfile
{
    public static string Read() => File.ReadAllText(Path.Combine(Repository.Root, "Dockerfile"));

    /// <summary>The numeric user of the runtime stage's last USER line.</summary>
    public static int User
    {
        get
        {
            var match = UserLine().Matches(Read()).LastOrDefault()
                ?? throw new InvalidOperationException("the Dockerfile has no numeric USER line");
            return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }
    }

    [GeneratedRegex(@"(?m)^USER (\d+)(?::\d+)?\s*$")]
    private static partial Regex UserLine();
}
