using MailMesh.Grains.Sharing;
using MailMesh.Grpc;

namespace MailMesh.Api.Services;

/// <summary>The checks every call starts with (through <see cref="MailboxGate"/>) and small request checks.</summary>
internal sealed partial class MailboxesApi
{
    /// <summary>Authenticates, checks <paramref name="scope"/>, that the mailbox exists in the caller's tenant and, when
    /// the key acts for a user, that the user has at least <paramref name="level"/>.</summary>
    private Task<MailboxCall> OpenAsync(ServerCallContext context, string scope, string name, MailboxAccess level) =>
        _gate.OpenAsync(context, scope, name, level);

    private static Task<T> Call<T>(Func<Task<T>> call) => MailboxGate.Call(call);

    private static Task Call(Func<Task> call) => MailboxGate.Call(call);

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
