using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.V1;
using MailMesh.Grains.Sharing;
using MailMesh.Grpc;
using GrainSource = MailMesh.Grains.Mailboxes.MailboxSource;
using GrainSourceInfo = MailMesh.Grains.Mailboxes.MailboxSourceInfo;
using GrainStatus = MailMesh.Grains.Mailboxes.MailboxSyncStatus;
using GrainTls = MailMesh.Grains.Mailboxes.SourceTls;
using Protocol = MailMesh.Grains.Mailboxes.SourceProtocol;

namespace MailMesh.Api.Services;

/// <summary>Mail source, sync and folders.</summary>
internal sealed partial class MailboxesApi
{
    private async Task<MailboxSource> SetSource(SetSourceRequest request, ServerCallContext context)
    {
        var call = await OpenAsync(context, ApiScopes.MailboxesWrite, request.Name, MailboxAccess.Full).ConfigureAwait(false);
        var grain = call.Mailbox;
        var protocol = request.Protocol switch
        {
            SourceProtocol.Imap => Protocol.Imap,
            SourceProtocol.Pop3 => Protocol.Pop3,
            _ => throw new InvalidArgumentException("protocol", "must be SOURCE_PROTOCOL_IMAP or SOURCE_PROTOCOL_POP3"),
        };
        var tls = request.Tls switch
        {
            SourceTls.Unspecified or SourceTls.Implicit => GrainTls.Implicit,
            SourceTls.Starttls => GrainTls.StartTls,
            SourceTls.None => GrainTls.None,
            _ => throw new InvalidArgumentException("tls", $"{request.Tls} is not a TLS mode"),
        };
        if (request.PollIntervalSeconds is < 0 or > 86_400)
        {
            throw new InvalidArgumentException("poll_interval_seconds", $"must be 1-86400 (or 0 for 300), not {request.PollIntervalSeconds}");
        }

        var source = new GrainSource(
            protocol, request.Host, request.Port, tls, request.UserName,
            Password: request.Password.Length == 0 ? null : request.Password,
            OAuthToken: request.OauthToken.Length == 0 ? null : request.OauthToken,
            TrustedCertificate: request.TrustedCertificate.Length == 0 ? null : request.TrustedCertificate,
            Folders: [.. request.Folders],
            PollInterval: request.PollIntervalSeconds == 0 ? null : TimeSpan.FromSeconds(request.PollIntervalSeconds),
            Pop3LeaveOnServer: request.Pop3LeaveOnServer,
            Pop3DeleteAfterDays: request.Pop3DeleteAfterDays == 0 ? null : request.Pop3DeleteAfterDays,
            UseIdle: !request.DisableIdle);
        var configured = await Call(() => grain.ConfigureSource(source)).ConfigureAwait(false);
        await call.AuditAsync("mailbox.source_changed", $"{configured.UserName}@{configured.Host}").ConfigureAwait(false);
        return ToProto(configured);
    }

    private async Task<MailboxSource> GetSource(GetSourceRequest request, ServerCallContext context)
    {
        var call = await OpenAsync(context, ApiScopes.MailboxesRead, request.Name, MailboxAccess.ReadOnly).ConfigureAwait(false);
        var grain = call.Mailbox;
        var source = await Call(grain.GetSource).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.NotFound, $"mailbox '{request.Name}' has no source");
        return ToProto(source);
    }

    private async Task<RemoveSourceResponse> RemoveSource(RemoveSourceRequest request, ServerCallContext context)
    {
        var call = await OpenAsync(context, ApiScopes.MailboxesWrite, request.Name, MailboxAccess.Full).ConfigureAwait(false);
        var grain = call.Mailbox;
        await Call(grain.RemoveSource).ConfigureAwait(false);
        await call.AuditAsync("mailbox.source_removed", request.Name).ConfigureAwait(false);
        return new RemoveSourceResponse();
    }

    private async Task<SyncResponse> Sync(SyncRequest request, ServerCallContext context)
    {
        var call = await OpenAsync(context, ApiScopes.MailboxesWrite, request.Name, MailboxAccess.SendAs).ConfigureAwait(false);
        var grain = call.Mailbox;
        var target = await Call(grain.RequestSync).ConfigureAwait(false);
        return new SyncResponse { CompletesAtRun = target, Status = await StatusOf(grain).ConfigureAwait(false) };
    }

    private async Task<SyncStatus> GetSyncStatus(GetSyncStatusRequest request, ServerCallContext context)
    {
        var call = await OpenAsync(context, ApiScopes.MailboxesRead, request.Name, MailboxAccess.ReadOnly).ConfigureAwait(false);
        var grain = call.Mailbox;
        return await StatusOf(grain).ConfigureAwait(false);
    }

    private async Task<ListFoldersResponse> ListFolders(ListFoldersRequest request, ServerCallContext context)
    {
        var call = await OpenAsync(context, ApiScopes.MailboxesRead, request.Name, MailboxAccess.ReadOnly).ConfigureAwait(false);
        var grain = call.Mailbox;
        var folders = await Call(grain.ListFolders).ConfigureAwait(false);
        var response = new ListFoldersResponse();
        response.Folders.AddRange(folders.Select(f => new Folder
        {
            Id = f.Id, Name = f.Name, UidValidity = f.UidValidity, LastUid = f.LastUid, HighestModSeq = f.HighestModSeq,
        }));
        return response;
    }

    private static async Task<SyncStatus> StatusOf(Grains.Mailboxes.IMailboxGrain grain)
    {
        var status = await Call(grain.GetSyncStatus).ConfigureAwait(false);
        var progress = await Call(grain.GetSyncProgress).ConfigureAwait(false);
        var proto = ToProto(status);
        if (progress is not null)
        {
            proto.Progress = new SyncProgress
            {
                FoldersTotal = progress.FoldersTotal, FoldersDone = progress.FoldersDone, MessagesFetched = progress.MessagesFetched,
                MessagesKnown = progress.MessagesKnown, Folder = progress.Folder ?? "",
            };
        }

        return proto;
    }

    private static SyncStatus ToProto(GrainStatus s) => new()
    {
        Configured = s.Configured,
        Running = s.Running,
        LastSuccessAt = Time(s.LastSuccessAt),
        LastAttemptAt = Time(s.LastAttemptAt),
        MessageCount = s.MessageCount,
        FolderCount = s.FolderCount,
        Runs = s.Runs,
        LastErrorKind = (SyncErrorKind)(int)s.LastErrorKind,
        LastError = s.LastError ?? "",
        ConsecutiveFailures = s.ConsecutiveFailures,
        NextRetryAt = Time(s.NextRetryAt),
    };

    private static MailboxSource ToProto(GrainSourceInfo s)
    {
        var proto = new MailboxSource
        {
            Protocol = s.Protocol == Protocol.Imap ? SourceProtocol.Imap : SourceProtocol.Pop3,
            Host = s.Host,
            Port = s.Port,
            Tls = s.Tls switch { GrainTls.Implicit => SourceTls.Implicit, GrainTls.StartTls => SourceTls.Starttls, _ => SourceTls.None },
            UserName = s.UserName,
            UsesOauth = s.UsesOAuth,
            PollIntervalSeconds = (long)s.PollInterval.TotalSeconds,
            Pop3LeaveOnServer = s.Pop3LeaveOnServer,
            Pop3DeleteAfterDays = s.Pop3DeleteAfterDays ?? 0,
            UseIdle = s.UseIdle,
        };
        proto.Folders.AddRange(s.Folders);
        return proto;
    }

    private static Timestamp? Time(DateTimeOffset? time) => time is { } t ? Timestamp.FromDateTimeOffset(t) : null;
}
