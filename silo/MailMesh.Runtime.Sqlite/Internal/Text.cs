using System.Globalization;

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>How values are stored: times as round-trip ISO 8601 text (offset kept), ETags as 32 hex digits.</summary>
internal static class Text
{
    public static string Time(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string value) =>
        DateTimeOffset.ParseExact(value, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    public static string NewETag() => Guid.NewGuid().ToString("N");

    public static byte[] Bytes(ReadOnlyMemory<byte> payload) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(payload, out var segment)
        && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : payload.ToArray();
}
