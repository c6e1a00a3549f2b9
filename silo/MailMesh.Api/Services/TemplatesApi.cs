using Google.Protobuf;
using MailMesh.Api.Authentication;
using MailMesh.Api.Internal;
using MailMesh.Api.V1;
using MailMesh.Grains.Campaigns;
using MailMesh.Grpc;
using MailMesh.Runtime;
using ProtoTimestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Template = MailMesh.Api.V1.Template;
using TemplatePreview = MailMesh.Api.V1.TemplatePreview;

namespace MailMesh.Api.Services;

/// <summary><c>mailmesh.v1.Templates</c> over the caller's tenant's <see cref="ITemplateDirectoryGrain"/>. A template that
/// does not compile ends Save with INVALID_ARGUMENT and its diagnostics in the <see cref="DiagnosticsTrailer"/> trailer.</summary>
internal sealed class TemplatesApi(ApiAuthenticator auth, IGrainFactory grains)
{
    /// <summary>The binary trailer carrying a serialized <see cref="TemplateDiagnostics"/>.</summary>
    public const string DiagnosticsTrailer = "mailmesh-template-diagnostics-bin";

    private const int MaxTestRecipients = 20;

    public void Map(GrpcServiceBuilder builder) => builder
        .MapUnary<SaveTemplateRequest, Template>("Save", Save)
        .MapUnary<GetTemplateRequest, Template>("Get", Get)
        .MapUnary<ListTemplatesRequest, ListTemplatesResponse>("List", List)
        .MapUnary<DeleteTemplateRequest, DeleteTemplateResponse>("Delete", Delete)
        .MapUnary<PreviewTemplateRequest, TemplatePreview>("Preview", Preview)
        .MapUnary<TestSendTemplateRequest, TestSendTemplateResponse>("TestSend", TestSend);

    private async Task<Template> Save(SaveTemplateRequest request, ServerCallContext context)
    {
        var directory = await OpenAsync(context, ApiScopes.CampaignsWrite).ConfigureAwait(false);
        RequireName(request.Name);
        if (string.IsNullOrWhiteSpace(request.Subject))
        {
            throw new InvalidArgumentException("subject", "a template needs a subject");
        }

        if (request.Html.Length == 0 && request.Text.Length == 0)
        {
            throw new InvalidArgumentException("html", "a template needs an HTML part, a text part or both");
        }

        var definition = new TemplateDefinition(request.Name, request.Subject, NullIfEmpty(request.Html), NullIfEmpty(request.Text),
            request.Locale.Length == 0 ? "en-US" : request.Locale, NullIfEmpty(request.Description));
        return ToProto(await Call(() => directory.Save(definition, request.Replace)).ConfigureAwait(false));
    }

    private async Task<Template> Get(GetTemplateRequest request, ServerCallContext context)
    {
        var directory = await OpenAsync(context, ApiScopes.CampaignsRead).ConfigureAwait(false);
        RequireName(request.Name);
        return ToProto(await FindAsync(directory, request.Name).ConfigureAwait(false));
    }

    private async Task<ListTemplatesResponse> List(ListTemplatesRequest request, ServerCallContext context)
    {
        var directory = await OpenAsync(context, ApiScopes.CampaignsRead).ConfigureAwait(false);
        var reply = new ListTemplatesResponse();
        reply.Templates.AddRange((await Call(directory.List).ConfigureAwait(false)).Select(ToProto));
        return reply;
    }

    private async Task<DeleteTemplateResponse> Delete(DeleteTemplateRequest request, ServerCallContext context)
    {
        var directory = await OpenAsync(context, ApiScopes.CampaignsWrite).ConfigureAwait(false);
        RequireName(request.Name);
        return new DeleteTemplateResponse { Deleted = await Call(() => directory.Delete(request.Name)).ConfigureAwait(false) };
    }

    private async Task<TemplatePreview> Preview(PreviewTemplateRequest request, ServerCallContext context)
    {
        var directory = await OpenAsync(context, ApiScopes.CampaignsRead).ConfigureAwait(false);
        RequireName(request.Name);
        if (string.IsNullOrWhiteSpace(request.Contact))
        {
            throw new InvalidArgumentException("contact", "give the address of the contact to render the template for");
        }

        await FindAsync(directory, request.Name).ConfigureAwait(false);
        var preview = await Call(() => directory.Preview(request.Name, request.Contact.Trim()), "contact").ConfigureAwait(false);
        var reply = new TemplatePreview { Subject = preview.Subject, Html = preview.Html ?? "", Text = preview.Text, Mime = preview.Mime };
        reply.MissingFields.AddRange(preview.MissingFields);
        return reply;
    }

    private async Task<TestSendTemplateResponse> TestSend(TestSendTemplateRequest request, ServerCallContext context)
    {
        var directory = await OpenAsync(context, ApiScopes.CampaignsWrite).ConfigureAwait(false);
        RequireName(request.Name);
        if (request.To.Count is 0 or > MaxTestRecipients)
        {
            throw new InvalidArgumentException("to", $"give 1 to {MaxTestRecipients} addresses, not {request.To.Count}");
        }

        for (var i = 0; i < request.To.Count; i++)
        {
            var address = request.To[i].Trim();
            var at = address.LastIndexOf('@');
            if (at <= 0 || at == address.Length - 1 || address.Any(char.IsWhiteSpace))
            {
                throw new InvalidArgumentException($"to[{i}]", $"'{request.To[i]}' is not an email address");
            }
        }

        await FindAsync(directory, request.Name).ConfigureAwait(false);
        var to = request.To.Select(a => a.Trim()).ToArray();
        var outcomes = await Call(() => directory.TestSend(request.Name, NullIfEmpty(request.Contact.Trim()), to), "contact").ConfigureAwait(false);
        var reply = new TestSendTemplateResponse();
        reply.Outcomes.AddRange(outcomes.Select(o => new V1.TestSendOutcome { Address = o.Address, Accepted = o.Accepted, Code = o.Code, Reply = o.Reply }));
        return reply;
    }

    private async Task<ITemplateDirectoryGrain> OpenAsync(ServerCallContext context, string scope)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(scope);
        return grains.GetGrain<ITemplateDirectoryGrain>(caller.Tenant + "/templates");
    }

    private static async Task<TemplateInfo> FindAsync(ITemplateDirectoryGrain directory, string name) =>
        await Call(() => directory.Get(name)).ConfigureAwait(false)
        ?? throw new RpcException(StatusCode.NotFound, $"template '{name}' does not exist");

    private static void RequireName(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new InvalidArgumentException("name", "give the template's name");
        }
    }

    /// <summary>A grain call with the API's error mapping; a template that does not compile becomes INVALID_ARGUMENT
    /// with its diagnostics in the trailer, and an unnamed argument problem is blamed on <paramref name="field"/>.</summary>
    private static Task<T> Call<T>(Func<Task<T>> call, string? field = null) => GrainErrors.Call(async () =>
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (TemplateException e)
        {
            throw Invalid(e.Diagnostics);
        }
        catch (ArgumentException e) when (field is not null && e.ParamName is null)
        {
            throw new InvalidArgumentException(field, e.Message);
        }
        catch (RemoteGrainException e) when (field is not null && e.OriginalTypeName.EndsWith(nameof(ArgumentException), StringComparison.Ordinal))
        {
            throw new InvalidArgumentException(field, e.OriginalMessage);
        }
    });

    /// <summary>INVALID_ARGUMENT naming the first problem's part, listing every problem with its position.</summary>
    internal static InvalidArgumentException Invalid(IReadOnlyList<Grains.Campaigns.TemplateDiagnostic> diagnostics)
    {
        var details = new TemplateDiagnostics();
        details.Diagnostics.AddRange(diagnostics.Select(d => new V1.TemplateDiagnostic { Part = d.Part, Line = d.Line, Column = d.Column, Message = d.Message }));
        var text = string.Join("; ", diagnostics.Select(d => $"{d.Part} {d.Line}:{d.Column}: {d.Message}"));
        var error = new InvalidArgumentException(diagnostics.Count > 0 ? diagnostics[0].Part : "template", text.Length > 0 ? text : "the template does not compile");
        error.Trailers.Add(DiagnosticsTrailer, details.ToByteArray());
        return error;
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static Template ToProto(TemplateInfo t) => new()
    {
        Name = t.Definition.Name, Subject = t.Definition.Subject, Html = t.Definition.Html ?? "", Text = t.Definition.Text ?? "",
        Locale = t.Definition.Locale, Description = t.Definition.Description ?? "", Version = t.Version,
        CreatedAt = ProtoTimestamp.FromDateTimeOffset(t.CreatedAt), UpdatedAt = ProtoTimestamp.FromDateTimeOffset(t.UpdatedAt),
    };
}
