using MailMesh.Api.Tenants;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Sharing;
using MailMesh.Grpc;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;

namespace MailMesh.Api.Internal;

/// <summary>Turns what grains throw into the gRPC status a client should see.</summary>
internal static class GrainErrors
{
    public static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (Map(e) is { } rpc)
        {
            throw rpc;
        }
    }

    public static RpcException? Map(Exception e) => e switch
    {
        RpcException => null,
        MailboxAlreadyExistsException or TenantAlreadyExistsException or ContactAlreadyExistsException => new RpcException(StatusCode.AlreadyExists, e.Message),
        ContactNotFoundException or ImportNotFoundException => new RpcException(StatusCode.NotFound, e.Message),
        ApiKeyNotFoundException or TenantNotFoundException => new RpcException(StatusCode.NotFound, e.Message),
        ApiKeyAlreadyRevokedException => new RpcException(StatusCode.FailedPrecondition, e.Message),
        MailboxNotFoundException or MailboxItemNotFoundException => new RpcException(StatusCode.NotFound, e.Message),
        MailboxAccessDeniedException => new RpcException(StatusCode.PermissionDenied, e.Message),
        MailboxSourceNotConfiguredException or InvalidOperationException or NotSupportedException => new RpcException(StatusCode.FailedPrecondition, e.Message),
        InvalidGrainKeyException key => new InvalidArgumentException("name", key.Problem),
        ArgumentException arg => Invalid(arg.ParamName, arg.Message),
        GrainCallTimeoutException or SiloUnavailableException => new RpcException(StatusCode.Unavailable, "the service is busy or shutting down; retry later"),
        StorageException { IsTransient: true } => new RpcException(StatusCode.Unavailable, "storage is temporarily unavailable; retry later"),
        RemoteGrainException remote => MapRemote(remote),
        _ => null,
    };

    /// <summary>An exception the runtime could not recreate arrives by type name only.</summary>
    private static RpcException? MapRemote(RemoteGrainException e) => e.OriginalTypeName.Split('.', '+')[^1] switch
    {
        nameof(MailboxAlreadyExistsException) or nameof(TenantAlreadyExistsException) or nameof(ContactAlreadyExistsException) =>
            new RpcException(StatusCode.AlreadyExists, e.OriginalMessage),
        nameof(ContactNotFoundException) or nameof(ImportNotFoundException) => new RpcException(StatusCode.NotFound, e.OriginalMessage),
        nameof(ApiKeyNotFoundException) or nameof(TenantNotFoundException) => new RpcException(StatusCode.NotFound, e.OriginalMessage),
        nameof(ApiKeyAlreadyRevokedException) => new RpcException(StatusCode.FailedPrecondition, e.OriginalMessage),
        nameof(MailboxNotFoundException) or nameof(MailboxItemNotFoundException) => new RpcException(StatusCode.NotFound, e.OriginalMessage),
        nameof(MailboxAccessDeniedException) => new RpcException(StatusCode.PermissionDenied, e.OriginalMessage),
        nameof(MailboxSourceNotConfiguredException) or nameof(InvalidOperationException) or nameof(NotSupportedException) =>
            new RpcException(StatusCode.FailedPrecondition, e.OriginalMessage),
        nameof(ArgumentException) or nameof(ArgumentOutOfRangeException) or nameof(ArgumentNullException) => Invalid(null, e.OriginalMessage),
        _ => null,
    };

    /// <summary>The field comes from ParamName or, when the boundary dropped it, from the message's "(Parameter 'X')" suffix.</summary>
    private static InvalidArgumentException Invalid(string? paramName, string message)
    {
        const string Marker = " (Parameter '";
        var index = message.LastIndexOf(Marker, StringComparison.Ordinal);
        if (paramName is null && index > 0 && message.EndsWith("')", StringComparison.Ordinal))
        {
            paramName = message[(index + Marker.Length)..^2];
        }

        return new InvalidArgumentException(Field(paramName), StripParameter(message));
    }

    /// <summary>C# parameter or property names (DisplayName) become proto field names (display_name).</summary>
    private static string Field(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "request";
        }

        var sb = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_')
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static string StripParameter(string message)
    {
        var index = message.LastIndexOf(" (Parameter '", StringComparison.Ordinal);
        return index > 0 ? message[..index] : message;
    }
}
