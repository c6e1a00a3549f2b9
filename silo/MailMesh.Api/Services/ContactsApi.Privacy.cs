using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using MailMesh.Api.Internal;
using MailMesh.Api.V1;
using MailMesh.Grains.Contacts;
using MailMesh.Grpc;

namespace MailMesh.Api.Services;

/// <summary>GDPR export and erasure of one contact.</summary>
internal sealed partial class ContactsApi
{
    private static readonly JsonFormatter ProtoJson = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true).WithFormatDefaultValues(true));

    private async Task<ExportContactResponse> Export(ExportContactRequest request, ServerCallContext context)
    {
        var (caller, grain) = await OpenAsync(context, ApiScopes.ContactsRead, request.Address).ConfigureAwait(false);
        var export = await GrainErrors.Call(() => grain.Export("key:" + caller.KeyId)).ConfigureAwait(false);
        return new ExportContactResponse { Json = ToJson(export).ToJsonString(), ContactExists = export.Contact is not null };
    }

    private async Task<EraseContactResponse> Erase(EraseContactRequest request, ServerCallContext context)
    {
        var (caller, grain) = await OpenAsync(context, ApiScopes.ContactsWrite, request.Address).ConfigureAwait(false);
        var erasure = await GrainErrors.Call(() => grain.Erase("key:" + caller.KeyId)).ConfigureAwait(false);
        return new EraseContactResponse
        {
            AddressHash = erasure.AddressHash, ContactExisted = erasure.ContactExisted, EventsTombstoned = erasure.EventsTombstoned,
            ImportsRedacted = erasure.ImportsRedacted, ErasedAt = Timestamp(erasure.ErasedAt),
        };
    }

    /// <summary>The export document (documented on <c>ExportContactResponse.json</c>).</summary>
    internal static JsonObject ToJson(ContactExport export)
    {
        var events = new JsonArray();
        foreach (var e in export.Events)
        {
            events.Add(new JsonObject
            {
                ["sequence"] = e.Sequence, ["type"] = e.Type, ["time"] = e.Time.ToString("O", CultureInfo.InvariantCulture),
                ["payload"] = Payload(e.PayloadJson),
            });
        }

        var issues = new JsonArray();
        foreach (var (import, issue) in export.ImportIssues)
        {
            issues.Add(new JsonObject
            {
                ["import"] = import, ["row"] = issue.Row, ["column"] = issue.Column, ["severity"] = issue.Severity, ["message"] = issue.Message,
            });
        }

        return new JsonObject
        {
            ["tenant"] = export.Tenant,
            ["address"] = export.Address,
            ["exported_at"] = export.ExportedAt.ToString("O", CultureInfo.InvariantCulture),
            ["contact"] = export.Contact is null ? null : JsonNode.Parse(ProtoJson.Format(ToProto(export.Contact))),
            ["events"] = events,
            ["import_issues"] = issues,
        };
    }

    private static JsonNode? Payload(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            // Stored payloads are checked JSON objects; should one not parse, the export still carries it, as text.
            return JsonValue.Create(json);
        }
    }
}
