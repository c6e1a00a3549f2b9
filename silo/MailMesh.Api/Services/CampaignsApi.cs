using System.Security.Cryptography;
using MailMesh.Api.Authentication;
using MailMesh.Api.Internal;
using MailMesh.Api.V1;
using MailMesh.Grains.Contacts;
using MailMesh.Grpc;
using MailMesh.Runtime;
using G = MailMesh.Grains.Campaigns;

namespace MailMesh.Api.Services;

/// <summary><c>mailmesh.v1.Campaigns</c> over the caller's tenant's <see cref="G.ICampaignGrain"/>s (<c>tenant/id</c>) and
/// its <see cref="G.ICampaignDirectoryGrain"/> (<c>tenant/campaigns</c>). Definitions are checked here first (fields,
/// windows, the template and segment exist) so a mistake is named by its field before the grain sees it.</summary>
internal sealed partial class CampaignsApi(ApiAuthenticator auth, IGrainFactory grains, TimeProvider time)
{
    /// <summary>How far ahead a campaign may be scheduled.</summary>
    private static readonly TimeSpan MaxScheduleAhead = TimeSpan.FromDays(366);

    public void Map(GrpcServiceBuilder builder) => builder
        .MapUnary<CreateCampaignRequest, Campaign>("Create", Create)
        .MapUnary<UpdateCampaignRequest, Campaign>("Update", Update)
        .MapUnary<GetCampaignRequest, Campaign>("Get", Get)
        .MapUnary<ListCampaignsRequest, ListCampaignsResponse>("List", List)
        .MapUnary<ScheduleCampaignRequest, Campaign>("Schedule", Schedule)
        .MapUnary<PauseCampaignRequest, Campaign>("Pause", Pause)
        .MapUnary<ResumeCampaignRequest, Campaign>("Resume", Resume)
        .MapUnary<CancelCampaignRequest, Campaign>("Cancel", Cancel)
        .MapServerStreaming<WatchCampaignProgressRequest, Campaign>("WatchProgress", WatchProgress);

    private async Task<Campaign> Create(CreateCampaignRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context, ApiScopes.CampaignsWrite).ConfigureAwait(false);
        var id = request.Id.Length == 0 ? NewId() : CheckId(request.Id);
        var definition = ToDefinition(request.Definition);
        await CheckReferencesAsync(caller.Tenant, definition).ConfigureAwait(false);
        var campaign = Grain(caller.Tenant, id);
        if (await Call(campaign.Get).ConfigureAwait(false) is not null)
        {
            throw new RpcException(StatusCode.AlreadyExists, $"campaign '{id}' exists already");
        }

        return ToProto(await Call(() => campaign.Create(definition)).ConfigureAwait(false));
    }

    private async Task<Campaign> Update(UpdateCampaignRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context, ApiScopes.CampaignsWrite).ConfigureAwait(false);
        var campaign = Grain(caller.Tenant, CheckId(request.Id));
        var definition = ToDefinition(request.Definition);
        await CheckReferencesAsync(caller.Tenant, definition).ConfigureAwait(false);
        return ToProto(await Call(() => campaign.Update(definition)).ConfigureAwait(false));
    }

    private async Task<Campaign> Get(GetCampaignRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context, ApiScopes.CampaignsRead).ConfigureAwait(false);
        return ToProto(await FindAsync(caller.Tenant, CheckId(request.Id)).ConfigureAwait(false));
    }

    private async Task<ListCampaignsResponse> List(ListCampaignsRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context, ApiScopes.CampaignsRead).ConfigureAwait(false);
        var directory = grains.GetGrain<G.ICampaignDirectoryGrain>(caller.Tenant + "/campaigns");
        var reply = new ListCampaignsResponse();
        reply.Campaigns.AddRange((await Call(directory.List).ConfigureAwait(false)).Select(ToProto));
        return reply;
    }

    private async Task<Campaign> Schedule(ScheduleCampaignRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context, ApiScopes.CampaignsWrite).ConfigureAwait(false);
        var campaign = Grain(caller.Tenant, CheckId(request.Id));
        DateTimeOffset? startAt = null;
        if (request.StartAt is { } at)
        {
            var when = at.ToDateTimeOffset();
            var now = time.GetUtcNow();
            if (when - now > MaxScheduleAhead)
            {
                throw new InvalidArgumentException("start_at", $"{when:u} is more than {MaxScheduleAhead.TotalDays:0} days ahead");
            }

            startAt = when > now ? when : null;
        }

        return ToProto(await Call(() => campaign.Schedule(startAt), "definition").ConfigureAwait(false));
    }

    private async Task<Campaign> Pause(PauseCampaignRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context, ApiScopes.CampaignsWrite).ConfigureAwait(false);
        var campaign = Grain(caller.Tenant, CheckId(request.Id));
        return ToProto(await Call(() => campaign.Pause(Reason(request.Reason))).ConfigureAwait(false));
    }

    private async Task<Campaign> Resume(ResumeCampaignRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context, ApiScopes.CampaignsWrite).ConfigureAwait(false);
        var campaign = Grain(caller.Tenant, CheckId(request.Id));
        return ToProto(await Call(campaign.Resume).ConfigureAwait(false));
    }

    private async Task<Campaign> Cancel(CancelCampaignRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context, ApiScopes.CampaignsWrite).ConfigureAwait(false);
        var campaign = Grain(caller.Tenant, CheckId(request.Id));
        return ToProto(await Call(() => campaign.Cancel(Reason(request.Reason))).ConfigureAwait(false));
    }

    private async Task<Caller> CallerAsync(ServerCallContext context, string scope) =>
        (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(scope);

    private G.ICampaignGrain Grain(string tenant, string id) => grains.GetGrain<G.ICampaignGrain>(tenant + "/" + id);

    private async Task<G.CampaignInfo> FindAsync(string tenant, string id) =>
        await Call(Grain(tenant, id).Get).ConfigureAwait(false)
        ?? throw new RpcException(StatusCode.NotFound, $"campaign '{id}' does not exist");

    /// <summary>The template and the segment must exist in the tenant; an unknown one is named by its field.</summary>
    private async Task CheckReferencesAsync(string tenant, G.CampaignDefinition definition)
    {
        var templates = grains.GetGrain<G.ITemplateDirectoryGrain>(tenant + "/templates");
        var segments = grains.GetGrain<ISegmentDirectoryGrain>(tenant + "/segments");
        if (await Call(() => templates.Get(definition.Template)).ConfigureAwait(false) is null)
        {
            throw new InvalidArgumentException("definition.template", $"template '{definition.Template}' does not exist");
        }

        if (await Call(() => segments.Get(definition.Segment)).ConfigureAwait(false) is null)
        {
            throw new InvalidArgumentException("definition.segment", $"segment '{definition.Segment}' does not exist");
        }
    }

    private static string? Reason(string reason)
    {
        var trimmed = reason.Trim();
        if (trimmed.Length > 500)
        {
            throw new InvalidArgumentException("reason", $"at most 500 characters, not {trimmed.Length}");
        }

        return trimmed.Length == 0 ? null : trimmed;
    }

    /// <summary>Lower-case letters, digits, '-' and '_' (at most 63), starting with a letter or digit.</summary>
    private static string CheckId(string id)
    {
        if (id.Length == 0)
        {
            throw new InvalidArgumentException("id", "give the campaign's id");
        }

        if (id.Length > 63 || !char.IsAsciiLetterLower(id[0]) && !char.IsAsciiDigit(id[0])
            || id.Any(c => !char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c is not '-' and not '_'))
        {
            throw new InvalidArgumentException("id", $"'{id}' is not a campaign id: use at most 63 lower-case letters, digits, '-' and '_', starting with a letter or digit");
        }

        return id;
    }

    /// <summary>A fresh id: <c>c-</c> and 12 random base-32 characters.</summary>
    private static string NewId()
    {
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        Span<byte> random = stackalloc byte[12];
        RandomNumberGenerator.Fill(random);
        Span<char> id = stackalloc char[14];
        id[0] = 'c';
        id[1] = '-';
        for (var i = 0; i < random.Length; i++)
        {
            id[i + 2] = Alphabet[random[i] & 31];
        }

        return new string(id);
    }

    /// <summary>A grain call with the API's error mapping: NOT_FOUND for a missing campaign, FAILED_PRECONDITION for a call
    /// its status does not allow, INVALID_ARGUMENT (with diagnostics) for a template that does not compile, and an argument
    /// problem the grain does not name is blamed on <paramref name="field"/>.</summary>
    private static Task<T> Call<T>(Func<Task<T>> call, string field = "definition") => GrainErrors.Call(async () =>
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (G.CampaignNotFoundException e)
        {
            throw new RpcException(StatusCode.NotFound, e.Message);
        }
        catch (G.CampaignStateException e)
        {
            throw new RpcException(StatusCode.FailedPrecondition, e.Message);
        }
        catch (G.TemplateException e)
        {
            throw TemplatesApi.Invalid(e.Diagnostics);
        }
        catch (ArgumentException e) when (e is not G.TemplateException)
        {
            throw new InvalidArgumentException(FieldOf(e.ParamName, field), Problem(e.ParamName, StripParameter(e.Message)));
        }
        catch (RemoteGrainException e) when (Remote(e, field) is { } mapped)
        {
            throw mapped;
        }
    });

    private static RpcException? Remote(RemoteGrainException e, string field) => e.OriginalTypeName.Split('.', '+')[^1] switch
    {
        nameof(G.CampaignNotFoundException) => new RpcException(StatusCode.NotFound, e.OriginalMessage),
        nameof(G.CampaignStateException) => new RpcException(StatusCode.FailedPrecondition, e.OriginalMessage),
        nameof(ArgumentException) or nameof(ArgumentOutOfRangeException) => new InvalidArgumentException(field, StripParameter(e.OriginalMessage)),
        _ => null,
    };

    /// <summary>"definition" for an unnamed problem; a definition property (TimeZone) becomes its field (definition.time_zone).</summary>
    private static string FieldOf(string? paramName, string fallback)
    {
        if (string.IsNullOrEmpty(paramName) || paramName is "definition" or "startAt" or "id")
        {
            return paramName switch { "startAt" => "start_at", "id" => "id", _ => fallback };
        }

        var sb = new System.Text.StringBuilder("definition.");
        for (var i = 0; i < paramName.Length; i++)
        {
            var c = paramName[i];
            if (char.IsUpper(c) && i > 0 && paramName[i - 1] is not '_' and not '.')
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }

    /// <summary>The grain writes "field: problem"; the status already names the field.</summary>
    private static string Problem(string? paramName, string message) =>
        paramName is { Length: > 0 } && message.StartsWith(paramName + ": ", StringComparison.Ordinal) ? message[(paramName.Length + 2)..] : message;

    private static string StripParameter(string message)
    {
        var index = message.LastIndexOf(" (Parameter '", StringComparison.Ordinal);
        return index > 0 ? message[..index] : message;
    }
}
