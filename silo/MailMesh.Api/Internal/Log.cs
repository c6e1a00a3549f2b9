using Microsoft.Extensions.Logging;

namespace MailMesh.Api.Internal;

internal static partial class Log
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning,
        Message = "Created the operator tenant '{Tenant}' and its first admin key {KeyId}. The key is shown once: {Secret}")]
    public static partial void BootstrapKeyCreated(ILogger logger, string tenant, string keyId, string secret);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Wrote the first admin key to {Path}")]
    public static partial void BootstrapKeyWritten(ILogger logger, string path);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information,
        Message = "Event subscriber of tenant {Tenant} fell more than {Buffer} events behind at sequence {Sequence}; ending its stream with RESOURCE_EXHAUSTED")]
    public static partial void SlowSubscriber(ILogger logger, string tenant, int buffer, long sequence);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Debug, Message = "API key {KeyId} of tenant {Tenant} created {NewKeyId}")]
    public static partial void KeyCreated(ILogger logger, string keyId, string tenant, string newKeyId);
}
