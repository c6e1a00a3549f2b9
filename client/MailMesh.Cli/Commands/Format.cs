using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace MailMesh.Cli.Commands;

internal static class Format
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static string ToJson(IMessage message) => Json.Format(message);

    public static string Time(Timestamp? time) =>
        time is null ? "" : time.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
