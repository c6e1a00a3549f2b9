using System.CommandLine;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace MailMesh.Cli.Commands;

/// <summary>
/// Output helpers shared by the commands. Human-readable output is the default; with <c>--json</c>
/// a command that shows one thing prints one JSON object, and a list or stream prints one JSON
/// object per line (protobuf JSON names, default values included).
/// </summary>
internal static class Format
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static string ToJson(IMessage message) => Json.Format(message);

    /// <summary>The <c>--json</c> flag, described the same way on every command.</summary>
    public static Option<bool> JsonOption(bool list = false) => new("--json")
    {
        Description = list ? "Print one JSON object per line instead of human-readable text" : "Print one JSON object instead of human-readable text",
    };

    /// <summary>Prints each item as one JSON line.</summary>
    public static async Task WriteJsonLinesAsync(TextWriter output, IEnumerable<IMessage> items)
    {
        foreach (var item in items)
        {
            await output.WriteLineAsync(ToJson(item)).ConfigureAwait(false);
        }
    }

    public static string Time(Timestamp? time) =>
        time is null ? "" : time.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
