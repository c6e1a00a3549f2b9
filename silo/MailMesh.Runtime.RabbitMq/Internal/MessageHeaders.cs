using System.Text;

namespace MailMesh.Runtime.RabbitMq.Internal;

/// <summary>Message header names and how values are read back (the client returns strings as UTF-8 byte arrays).</summary>
internal static class MessageHeaders
{
    public const string GrainType = "mm-grain-type";
    public const string GrainKey = "mm-grain-key";
    public const string Method = "mm-method";
    public const string Attempt = "mm-attempt";
    public const string ErrorType = "mm-error-type";
    public const string ErrorMessage = "mm-error-message";
    public const string ErrorStack = "mm-error-stack";
    public const string OriginalQueue = "mm-original-queue";
    public const string CallKind = "call";
    public const string OneWayKind = "one-way";
    public const string ReplyKind = "reply";
    public const string ErrorKind = "error";

    public static string? String(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            null => null,
            _ => value.ToString(),
        } : null;

    public static long? Number(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? value switch
        {
            int i => i,
            long l => l,
            byte[] bytes when long.TryParse(Encoding.UTF8.GetString(bytes), out var parsed) => parsed,
            _ => null,
        } : null;
}
