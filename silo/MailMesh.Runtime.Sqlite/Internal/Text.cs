using System.Globalization;

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>How values are stored: times as round-trip ISO 8601 text (offset kept), ETags as 32 hex digits.</summary>
internal static class Text
{
    public static string Time(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Parses a stored time; <paramref name="where"/> names the row and column for the error.</summary>
    public static DateTimeOffset ParseTime(string value, string where) =>
        DateTimeOffset.TryParseExact(value, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time)
            ? time
            : throw new MalformedRowException($"{where} is '{value}', which is not a round-trip ISO 8601 time");

    /// <summary>Parses a stored event id; <paramref name="where"/> names the row for the error.</summary>
    public static Guid ParseId(string value, string where) =>
        Guid.TryParseExact(value, "D", out var id)
            ? id
            : throw new MalformedRowException($"{where} is '{value}', which is not a GUID");

    public static string NewETag() => Guid.NewGuid().ToString("N");

    public static byte[] Bytes(ReadOnlyMemory<byte> payload) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(payload, out var segment)
        && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : payload.ToArray();
}
