using MailMesh.Api.Authentication;
using MailMesh.Api.Internal;
using MailMesh.Api.V1;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Sharing;
using MailMesh.Grpc;
using MailMesh.Runtime;

namespace MailMesh.Api.Services;

/// <summary>One mailbox call after its checks: who acts, and the mailbox's grains.</summary>
/// <param name="Caller">The authenticated key.</param>
/// <param name="Actor">The user the key acts for, or <c>key:&lt;key id&gt;</c>.</param>
/// <param name="User">The user, or null when the key acts for itself.</param>
/// <param name="Name">The mailbox name.</param>
/// <param name="Mailbox">The mailbox grain.</param>
/// <param name="Sharing">Its sharing grain.</param>
internal sealed record MailboxCall(Caller Caller, string Actor, string? User, string Name, IMailboxGrain Mailbox, IMailboxSharingGrain Sharing)
{
    /// <summary>Records an action in the mailbox's audit trail.</summary>
    public Task AuditAsync(string action, string target, Dictionary<string, string>? details = null) =>
        MailboxGate.Call(() => Sharing.RecordAudit(new AuditAction(Actor, action, target, details)));
}

/// <summary>
/// The checks every mailbox call starts with (docs/adr/sharing-01-users-access-and-audit.md): the key and its scope,
/// the <c>x-mailmesh-user</c> header (only from keys with <c>mailboxes:delegate</c>), the mailbox's existence in the
/// caller's tenant, and the user's access level. Also maps mailbox and sharing exceptions to gRPC statuses.
/// </summary>
internal sealed class MailboxGate(ApiAuthenticator auth, IGrainFactory grains)
{
    /// <summary>The header naming the user a key acts for.</summary>
    public const string UserHeader = "x-mailmesh-user";

    /// <summary>The scope that lets a key act for users.</summary>
    public const string DelegateScope = ApiScopes.MailboxesDelegate;

    /// <summary>Authenticates and checks the scope; returns the caller and the user it acts for (or null).</summary>
    public async Task<(Caller Caller, string? User)> AuthenticateAsync(ServerCallContext context, string scope)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(scope);
        var user = context.RequestHeaders.GetValue(UserHeader);
        if (user is null)
        {
            return (caller, null);
        }

        if (!ApiScopes.Grants(caller.Scopes, DelegateScope))
        {
            throw new RpcException(StatusCode.PermissionDenied, $"the API key {caller.KeyId} lacks the scope '{DelegateScope}' needed to act for a user ({UserHeader})");
        }

        if (user.Length is 0 or > MailboxSharingLimits.MaxUserLength || user.Any(char.IsControl) || user.StartsWith("key:", StringComparison.Ordinal))
        {
            throw new InvalidArgumentException(UserHeader, $"must be a user id of 1-{MailboxSharingLimits.MaxUserLength} characters without control characters, not starting with 'key:'");
        }

        return (caller, user);
    }

    /// <summary>All checks for a call on mailbox <paramref name="name"/> that needs <paramref name="scope"/> and, when
    /// a user acts, at least <paramref name="level"/>.</summary>
    public async Task<MailboxCall> OpenAsync(ServerCallContext context, string scope, string name, MailboxAccess level, string field = "name")
    {
        var (caller, user) = await AuthenticateAsync(context, scope).ConfigureAwait(false);
        CheckName(name, field);
        var key = $"{caller.Tenant}/{name}";
        var call = new MailboxCall(caller, user ?? "key:" + caller.KeyId, user, name, grains.GetGrain<IMailboxGrain>(key), grains.GetGrain<IMailboxSharingGrain>(key));
        _ = await Call(call.Mailbox.Get).ConfigureAwait(false) ?? throw new RpcException(StatusCode.NotFound, $"mailbox '{name}' does not exist");
        if (user is not null)
        {
            var access = await Call(() => call.Sharing.GetAccess(user)).ConfigureAwait(false);
            if (access < level)
            {
                throw new RpcException(StatusCode.PermissionDenied, access == MailboxAccess.None
                    ? $"user '{user}' is not a member of mailbox '{name}'"
                    : $"user '{user}' has {LevelName(access)} access to mailbox '{name}'; this needs {LevelName(level)}");
            }
        }

        return call;
    }

    /// <summary>Whether <paramref name="user"/> may see mailbox <paramref name="name"/> (for listings).</summary>
    public async Task<bool> CanSeeAsync(string tenant, string name, string? user) =>
        user is null || await Call(() => grains.GetGrain<IMailboxSharingGrain>($"{tenant}/{name}").GetAccess(user)).ConfigureAwait(false) >= MailboxAccess.ReadOnly;

    /// <summary>Runs a grain call, mapping what it throws to a status through <see cref="GrainErrors"/>.</summary>
    public static Task<T> Call<T>(Func<Task<T>> call) => GrainErrors.Call(call);

    /// <summary>As <see cref="Call{T}"/> for calls without a result.</summary>
    public static Task Call(Func<Task> call) => Call(async () =>
    {
        await call().ConfigureAwait(false);
        return true;
    });

    public static string LevelName(MailboxAccess level) => level switch
    {
        MailboxAccess.ReadOnly => "read_only",
        MailboxAccess.SendAs => "send_as",
        MailboxAccess.Full => "full",
        _ => "no",
    };

    private static void CheckName(string name, string field)
    {
        if (name.Length == 0)
        {
            throw new InvalidArgumentException(field, "must not be empty");
        }

        if (name.Length > GrainKey.MaxRestLength)
        {
            throw new InvalidArgumentException(field, $"is {name.Length} characters long; at most {GrainKey.MaxRestLength} are allowed");
        }

        var bad = name.FirstOrDefault(c => c == '/' || char.IsControl(c));
        if (bad != default)
        {
            throw new InvalidArgumentException(field, $"must not contain {(bad == '/' ? "'/'" : $"the control character U+{(int)bad:X4}")}");
        }
    }
}

/// <summary>Limits shared by the gate and the sharing grain's checks.</summary>
internal static class MailboxSharingLimits
{
    public const int MaxUserLength = 320;
}
