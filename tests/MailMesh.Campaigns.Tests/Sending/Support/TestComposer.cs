using System.Text;
using MailMesh.Campaigns.Composition;
using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.Tests.Sending.Support;

/// <summary>A composer for grain tests: a plain text message whose subject merges <c>{{first_name}}</c>; a subject that
/// contains <c>{{#broken</c> does not compile.</summary>
public sealed class TestComposer : ICampaignMessageComposer
{
    public ValueTask<ComposedMessage> ComposeAsync(ComposeRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Template.Subject.Contains("{{#broken", StringComparison.Ordinal))
        {
            throw new TemplateException([new TemplateDiagnostic("subject", 1, 1, "unclosed block 'broken'")]);
        }

        var firstName = request.Contact?.Attributes.TryGetValue("first_name", out var value) == true ? value.String : "";
        var subject = request.Template.Subject.Replace("{{first_name}}", firstName, StringComparison.Ordinal);
        var messageId = $"{request.SendId}@shop.example";
        var text = $"From: {request.Sender.FromAddress}\r\nTo: {request.Recipient}\r\nSubject: {subject}\r\nMessage-ID: <{messageId}>\r\n\r\nHi {firstName}\r\n";
        return ValueTask.FromResult(new ComposedMessage($"b-{request.SendId}@shop.example", request.Recipient, messageId, Encoding.ASCII.GetBytes(text), false, []));
    }
}
