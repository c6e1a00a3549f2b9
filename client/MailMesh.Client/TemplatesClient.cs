using Google.Protobuf.Reflection;
using MailMesh.Api.V1;

namespace MailMesh.Client;

/// <summary><c>mailmesh.v1.Templates</c>: message templates (Handlebars subject, HTML and text), previews and test sends.</summary>
public sealed class TemplatesClient(GrpcChannel channel)
{
    /// <summary>The trailer in which Save's INVALID_ARGUMENT carries a template's compile problems.</summary>
    public const string DiagnosticsTrailer = "mailmesh-template-diagnostics-bin";

    private static readonly ServiceDescriptor Service = TemplatesReflection.Descriptor.Services.Single(s => s.Name == "Templates");

    /// <summary>Compiles and saves a template (replace for a new version). A template that does not compile fails with
    /// INVALID_ARGUMENT; <see cref="Diagnostics"/> gives its problems with their positions.</summary>
    public Task<Template> SaveAsync(SaveTemplateRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<SaveTemplateRequest, Template>(Service.FindMethodByName("Save"), request, options, cancellationToken);

    /// <summary>One template.</summary>
    public Task<Template> GetAsync(GetTemplateRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetTemplateRequest, Template>(Service.FindMethodByName("Get"), request, options, cancellationToken);

    /// <summary>All templates of the tenant, by name.</summary>
    public Task<ListTemplatesResponse> ListAsync(ListTemplatesRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListTemplatesRequest, ListTemplatesResponse>(Service.FindMethodByName("List"), request, options, cancellationToken);

    /// <summary>Deletes a template.</summary>
    public Task<DeleteTemplateResponse> DeleteAsync(DeleteTemplateRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<DeleteTemplateRequest, DeleteTemplateResponse>(Service.FindMethodByName("Delete"), request, options, cancellationToken);

    /// <summary>Renders a template for one contact.</summary>
    public Task<TemplatePreview> PreviewAsync(PreviewTemplateRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<PreviewTemplateRequest, TemplatePreview>(Service.FindMethodByName("Preview"), request, options, cancellationToken);

    /// <summary>Sends a template to test addresses through the configured relay; the relay's answer per address.</summary>
    public Task<TestSendTemplateResponse> TestSendAsync(TestSendTemplateRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<TestSendTemplateRequest, TestSendTemplateResponse>(Service.FindMethodByName("TestSend"), request, options, cancellationToken);

    /// <summary>The compile problems carried by a failed Save (empty when the failure was something else).</summary>
    public static IReadOnlyList<TemplateDiagnostic> Diagnostics(MailMeshRpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Trailers.GetBytes(DiagnosticsTrailer) is { } bytes ? TemplateDiagnostics.Parser.ParseFrom(bytes).Diagnostics : [];
    }
}
