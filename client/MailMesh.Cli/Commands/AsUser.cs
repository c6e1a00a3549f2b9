using System.CommandLine;
using MailMesh.Client;

namespace MailMesh.Cli.Commands;

/// <summary><c>--as-user USER</c> on the mailbox, messages, sharing and rules commands: the call is made for a user of the
/// tenant (header <c>x-mailmesh-user</c>), so the server checks that user's access level to the mailbox and records the user
/// in the audit trail. The key needs the scope <c>mailboxes:delegate</c> (see docs/adr/sharing-01-users-access-and-audit.md).</summary>
internal static class AsUser
{
    /// <summary>The option's name.</summary>
    public const string Name = "--as-user";

    /// <summary>Longest user id the server accepts.</summary>
    public const int MaxLength = 320;

    /// <summary>A new (recursive) option for one command group.</summary>
    public static Option<string?> Create() => new(Name)
    {
        Description = "Act for this user of the tenant (e.g. ann@example.com); the key needs the scope mailboxes:delegate",
        Recursive = true,
    };

    /// <summary>Runs <paramref name="body"/> like <see cref="CliApp.WithClientAsync"/>, with the user header added to the call
    /// options when <c>--as-user</c> was given.</summary>
    public static Task<int> WithClientAsUserAsync(this CliApp app, ParseResult parse, Func<MailMeshClient, CallOptions, Task> body) =>
        app.WithClientAsync(parse, (client, options) => body(client, Apply(parse.GetValue<string?>(Name), options)));

    /// <summary><paramref name="options"/> with the user header; unchanged when <paramref name="user"/> is null.</summary>
    /// <exception cref="CliException">The user id is empty, too long or has control characters.</exception>
    public static CallOptions Apply(string? user, CallOptions options)
    {
        if (user is null)
        {
            return options;
        }

        if (string.IsNullOrWhiteSpace(user) || user.Length > MaxLength || user.Any(char.IsControl))
        {
            throw new CliException($"{Name} must be a user id of 1-{MaxLength} characters without control characters, not '{user}'");
        }

        var headers = new CallMetadata();
        foreach (var entry in options.Headers ?? new CallMetadata())
        {
            headers.Add(entry.Key, entry.Value);
        }

        return new CallOptions { Headers = headers.Add(SharingClient.UserHeader, user.Trim()), Timeout = options.Timeout, Retry = options.Retry };
    }
}
