using MailMesh.Api.Internal;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grpc;
using MailMesh.Runtime;

namespace MailMesh.Api.Services;

/// <summary>Authentication, the mailbox check every call starts with, and the gRPC status of mailbox errors.</summary>
internal sealed partial class MailboxesApi
{
    /// <summary>Authenticates, checks <paramref name="scope"/> and that the mailbox exists in the caller's tenant.</summary>
    private async Task<IMailboxGrain> OpenAsync(ServerCallContext context, string scope, string name)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(scope);
        var grain = Grain(caller, name);
        _ = await Call(grain.Get).ConfigureAwait(false) ?? throw new RpcException(StatusCode.NotFound, $"mailbox '{name}' does not exist");
        return grain;
    }

    /// <summary>Runs a grain call, mapping mailbox exceptions to their status and the rest through <see cref="GrainErrors"/>.</summary>
    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await GrainErrors.Call(call).ConfigureAwait(false);
        }
        catch (Exception e) when (MapMailboxError(e) is { } rpc)
        {
            throw rpc;
        }
    }

    private static Task Call(Func<Task> call) => Call(async () =>
    {
        await call().ConfigureAwait(false);
        return true;
    });

    private static RpcException? MapMailboxError(Exception e) => e switch
    {
        RpcException => null,
        MailboxNotFoundException or MailboxItemNotFoundException => new RpcException(StatusCode.NotFound, e.Message),
        MailboxSourceNotConfiguredException or InvalidOperationException or NotSupportedException => new RpcException(StatusCode.FailedPrecondition, e.Message),
        RemoteGrainException remote => remote.OriginalTypeName.Split('.', '+')[^1] switch
        {
            nameof(MailboxNotFoundException) or nameof(MailboxItemNotFoundException) => new RpcException(StatusCode.NotFound, remote.OriginalMessage),
            nameof(MailboxSourceNotConfiguredException) or nameof(InvalidOperationException) or nameof(NotSupportedException) =>
                new RpcException(StatusCode.FailedPrecondition, remote.OriginalMessage),
            _ => null,
        },
        _ => null,
    };

    private static void CheckUid(uint uid)
    {
        if (uid == 0)
        {
            throw new InvalidArgumentException("uid", "must be 1 or more");
        }
    }

    private static void CheckFolder(string folder, string field = "folder")
    {
        if (folder.Length == 0)
        {
            throw new InvalidArgumentException(field, "must not be empty");
        }

        if (folder.Length > 1000 || folder.Any(char.IsControl))
        {
            throw new InvalidArgumentException(field, "must be at most 1000 characters without control characters");
        }
    }
}
