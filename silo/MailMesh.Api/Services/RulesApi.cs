using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.Authentication;
using MailMesh.Api.Internal;
using MailMesh.Api.V1;
using MailMesh.Grains.Rules;
using MailMesh.Grains.Sharing;
using MailMesh.Grpc;
using MailMesh.Runtime;
using RuleAction = MailMesh.Api.V1.RuleAction;
using RuleDiagnostic = MailMesh.Api.V1.RuleDiagnostic;
using RuleScriptVersion = MailMesh.Api.V1.RuleScriptVersion;
using RuleScriptVersionInfo = MailMesh.Api.V1.RuleScriptVersionInfo;

namespace MailMesh.Api.Services;

/// <summary><c>mailmesh.v1.Rules</c> over <see cref="IMailboxRulesGrain"/>; keys start with the caller's tenant.</summary>
internal sealed class RulesApi(ApiAuthenticator auth, IGrainFactory grains)
{
    private readonly MailboxGate _gate = new(auth, grains);

    private const int MaxScriptBytes = 1024 * 1024;
    private const int MaxRawMessageBytes = 16 * 1024 * 1024;

    public void Map(GrpcServiceBuilder builder) => builder
        .MapUnary<UploadRulesRequest, RuleScriptVersion>("Upload", Upload)
        .MapUnary<ValidateRulesRequest, ValidateRulesResponse>("Validate", Validate)
        .MapUnary<GetRulesRequest, RuleScriptVersion>("Get", Get)
        .MapUnary<ListRuleVersionsRequest, ListRuleVersionsResponse>("List", List)
        .MapUnary<ActivateRulesRequest, RuleScriptVersionInfo>("Activate", Activate)
        .MapUnary<DeactivateRulesRequest, DeactivateRulesResponse>("Deactivate", Deactivate)
        .MapUnary<TestRulesRequest, TestRulesResponse>("Test", Test);

    private async Task<RuleScriptVersion> Upload(UploadRulesRequest request, ServerCallContext context)
    {
        var (rules, call) = await OpenAsync(context, ApiScopes.MailboxesWrite, request.Mailbox).ConfigureAwait(false);
        CheckScript(request.Script, "script");
        try
        {
            var stored = await rules.Upload(new UploadRuleScript(request.Script, request.Activate, call.Actor, request.Comment.Length == 0 ? null : request.Comment)).ConfigureAwait(false);
            await AuditAsync(call, request.Activate ? "rules.script_uploaded_and_activated" : "rules.script_uploaded", stored.Info.Version).ConfigureAwait(false);
            var reply = new RuleScriptVersion { Info = ToProto(stored.Info), Script = stored.Source };
            reply.Warnings.AddRange(stored.Warnings.Select(ToProto));
            return reply;
        }
        catch (RuleScriptInvalidException e)
        {
            throw new InvalidArgumentException("script", "the script has errors: " + string.Join("; ", e.Diagnostics.Where(d => d.Severity == "error")));
        }
    }

    private async Task<ValidateRulesResponse> Validate(ValidateRulesRequest request, ServerCallContext context)
    {
        var (rules, _) = await OpenAsync(context, ApiScopes.MailboxesRead, request.Mailbox).ConfigureAwait(false);
        CheckScript(request.Script, "script");
        var result = await GrainErrors.Call(() => rules.Validate(request.Script)).ConfigureAwait(false);
        var reply = new ValidateRulesResponse { Valid = result.Valid };
        reply.Diagnostics.AddRange(result.Diagnostics.Select(ToProto));
        reply.RequiredExtensions.AddRange(result.RequiredExtensions);
        return reply;
    }

    private async Task<RuleScriptVersion> Get(GetRulesRequest request, ServerCallContext context)
    {
        var (rules, _) = await OpenAsync(context, ApiScopes.MailboxesRead, request.Mailbox).ConfigureAwait(false);
        var stored = await GrainErrors.Call(() => rules.Get(request.Version == 0 ? null : request.Version)).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.NotFound, request.Version == 0
                ? $"mailbox '{request.Mailbox}' has no active rules script"
                : $"mailbox '{request.Mailbox}' has no rules version {request.Version}");
        return new RuleScriptVersion { Info = ToProto(stored.Info), Script = stored.Source };
    }

    private async Task<ListRuleVersionsResponse> List(ListRuleVersionsRequest request, ServerCallContext context)
    {
        var (rules, _) = await OpenAsync(context, ApiScopes.MailboxesRead, request.Mailbox).ConfigureAwait(false);
        var reply = new ListRuleVersionsResponse();
        reply.Versions.AddRange((await GrainErrors.Call(rules.List).ConfigureAwait(false)).Select(ToProto));
        return reply;
    }

    private async Task<RuleScriptVersionInfo> Activate(ActivateRulesRequest request, ServerCallContext context)
    {
        var (rules, call) = await OpenAsync(context, ApiScopes.MailboxesWrite, request.Mailbox).ConfigureAwait(false);
        var versions = await GrainErrors.Call(rules.List).ConfigureAwait(false);
        if (!versions.Any(v => v.Version == request.Version))
        {
            throw new RpcException(StatusCode.NotFound, $"mailbox '{request.Mailbox}' has no rules version {request.Version}");
        }

        var activated = await GrainErrors.Call(() => rules.Activate(request.Version, call.Actor)).ConfigureAwait(false);
        await AuditAsync(call, "rules.script_activated", activated.Version).ConfigureAwait(false);
        return ToProto(activated);
    }

    private async Task<DeactivateRulesResponse> Deactivate(DeactivateRulesRequest request, ServerCallContext context)
    {
        var (rules, call) = await OpenAsync(context, ApiScopes.MailboxesWrite, request.Mailbox).ConfigureAwait(false);
        await GrainErrors.Call(async () =>
        {
            await rules.Deactivate(call.Actor).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        await AuditAsync(call, "rules.deactivated", 0).ConfigureAwait(false);
        return new DeactivateRulesResponse();
    }

    private async Task<TestRulesResponse> Test(TestRulesRequest request, ServerCallContext context)
    {
        var (rules, _) = await OpenAsync(context, ApiScopes.MailboxesRead, request.Mailbox).ConfigureAwait(false);
        RuleTestRequest test;
        var version = request.ScriptChoiceCase == TestRulesRequest.ScriptChoiceOneofCase.Version && request.Version != 0 ? request.Version : (int?)null;
        var script = request.ScriptChoiceCase == TestRulesRequest.ScriptChoiceOneofCase.Script ? request.Script : null;
        if (script is not null)
        {
            CheckScript(script, "script");
        }

        switch (request.MessageCase)
        {
            case TestRulesRequest.MessageOneofCase.Stored:
                if (request.Stored.Folder.Length == 0 || request.Stored.Uid == 0)
                {
                    throw new InvalidArgumentException("stored", "give the folder and the UID of the stored message");
                }

                test = new RuleTestRequest(request.Stored.Folder, request.Stored.Uid, null, version, script);
                break;
            case TestRulesRequest.MessageOneofCase.RawMessage:
                if (request.RawMessage.Length is 0 or > MaxRawMessageBytes)
                {
                    throw new InvalidArgumentException("raw_message", $"the message must be 1 byte to {MaxRawMessageBytes} bytes; it is {request.RawMessage.Length}");
                }

                test = new RuleTestRequest(null, null, request.RawMessage.ToByteArray(), version, script);
                break;
            default:
                throw new InvalidArgumentException("message", "give a stored message (stored) or raw_message");
        }

        RuleDryRun run;
        try
        {
            run = await rules.Test(test).ConfigureAwait(false);
        }
        catch (RuleScriptInvalidException e)
        {
            throw new InvalidArgumentException("script", "the script has errors: " + string.Join("; ", e.Diagnostics.Where(d => d.Severity == "error")));
        }
        catch (Exception e) when (GrainErrors.Map(e) is { } rpc)
        {
            throw rpc;
        }

        var reply = new TestRulesResponse { Error = run.Error ?? string.Empty, ScriptVersion = run.ScriptVersion ?? 0 };
        reply.Actions.AddRange(run.Actions.Select(ToProto));
        reply.Log.AddRange(run.Log);
        if (run.SpamScore is { } score)
        {
            reply.SpamScore = score;
        }

        return reply;
    }

    /// <summary>Key, scope, mailbox and (for a user) access level: reading rules needs read-only access, changing them full.</summary>
    private async Task<(IMailboxRulesGrain Rules, MailboxCall Call)> OpenAsync(ServerCallContext context, string scope, string mailbox)
    {
        var call = await _gate.OpenAsync(context, scope, mailbox, scope == ApiScopes.MailboxesWrite ? MailboxAccess.Full : MailboxAccess.ReadOnly, "mailbox").ConfigureAwait(false);
        return (grains.GetGrain<IMailboxRulesGrain>($"{call.Caller.Tenant}/{mailbox}"), call);
    }

    /// <summary>Records a rules change in the mailbox's audit trail (who, what, which version).</summary>
    private static Task AuditAsync(MailboxCall call, string action, int version) =>
        call.AuditAsync(action, "rules", new() { ["version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    private static void CheckScript(string script, string field)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(script) > MaxScriptBytes)
        {
            throw new InvalidArgumentException(field, $"the script is larger than {MaxScriptBytes} bytes");
        }
    }

    private static RuleScriptVersionInfo ToProto(MailMesh.Grains.Rules.RuleScriptVersionInfo v) => new()
    {
        Version = v.Version, CreatedAt = Timestamp.FromDateTimeOffset(v.CreatedAt), Author = v.Author ?? string.Empty,
        Comment = v.Comment ?? string.Empty, Size = v.Size, Active = v.Active,
    };

    private static RuleDiagnostic ToProto(MailMesh.Grains.Rules.RuleDiagnostic d) => new() { Severity = d.Severity, Line = d.Line, Column = d.Column, Message = d.Message };

    private static RuleAction ToProto(MailMesh.Grains.Rules.RuleAction a)
    {
        var action = new RuleAction
        {
            Kind = a.Kind, Argument = a.Argument ?? string.Empty, Copy = a.Copy, Create = a.Create, Implicit = a.Implicit,
            Subject = a.Subject ?? string.Empty, Text = a.Text ?? string.Empty, From = a.From ?? string.Empty, Mime = a.Mime, InReplyTo = a.InReplyTo ?? string.Empty,
        };
        action.Flags.AddRange(a.Flags);
        return action;
    }
}
