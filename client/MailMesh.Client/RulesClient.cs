using Google.Protobuf.Reflection;
using MailMesh.Api.V1;

namespace MailMesh.Client;

/// <summary><c>mailmesh.v1.Rules</c>: a mailbox's Sieve script versions and dry runs.</summary>
public sealed class RulesClient(GrpcChannel channel)
{
    private static readonly ServiceDescriptor Service = RulesReflection.Descriptor.Services.Single(s => s.Name == "Rules");

    /// <summary>Validates and stores a new version; INVALID_ARGUMENT lists errors with line and column.</summary>
    public Task<RuleScriptVersion> UploadAsync(UploadRulesRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<UploadRulesRequest, RuleScriptVersion>(Service.FindMethodByName("Upload"), request, options, cancellationToken);

    /// <summary>Compiles a script without storing it.</summary>
    public Task<ValidateRulesResponse> ValidateAsync(ValidateRulesRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ValidateRulesRequest, ValidateRulesResponse>(Service.FindMethodByName("Validate"), request, options, cancellationToken);

    /// <summary>One version (0: the active one).</summary>
    public Task<RuleScriptVersion> GetAsync(GetRulesRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetRulesRequest, RuleScriptVersion>(Service.FindMethodByName("Get"), request, options, cancellationToken);

    /// <summary>Every version, newest first.</summary>
    public Task<ListRuleVersionsResponse> ListAsync(ListRuleVersionsRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListRuleVersionsRequest, ListRuleVersionsResponse>(Service.FindMethodByName("List"), request, options, cancellationToken);

    /// <summary>Makes a version active (rollback).</summary>
    public Task<RuleScriptVersionInfo> ActivateAsync(ActivateRulesRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ActivateRulesRequest, RuleScriptVersionInfo>(Service.FindMethodByName("Activate"), request, options, cancellationToken);

    /// <summary>Turns rules off.</summary>
    public Task<DeactivateRulesResponse> DeactivateAsync(DeactivateRulesRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<DeactivateRulesRequest, DeactivateRulesResponse>(Service.FindMethodByName("Deactivate"), request, options, cancellationToken);

    /// <summary>Dry run over a stored message or raw MIME.</summary>
    public Task<TestRulesResponse> TestAsync(TestRulesRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<TestRulesRequest, TestRulesResponse>(Service.FindMethodByName("Test"), request, options, cancellationToken);
}

/// <summary>Reaches the rules service from a <see cref="MailMeshClient"/>.</summary>
public static class MailMeshClientRulesExtensions
{
    /// <summary>The <c>mailmesh.v1.Rules</c> client over this client's channel.</summary>
    public static RulesClient Rules(this MailMeshClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new RulesClient(client.Channel);
    }
}
