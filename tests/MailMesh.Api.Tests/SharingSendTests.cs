using System.Text.Json;
using MailMesh.Api.Tests.Infrastructure;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Testing;

namespace MailMesh.Api.Tests;

/// <summary>Send-as on shared mailboxes against the SMTP capture sink: who may send, what goes out, the audit entry.</summary>
[Collection(MailboxApiCollection.Name)]
public sealed class SharingSendTests(MailboxApiHost host)
{
    [ServerFact(Server.SmtpCapture)]
    public async Task SendMessage_SendAsMember_GoesOutFromTheMailboxOnceAndIsAudited()
    {
        var tag = "send" + Guid.NewGuid().ToString("N")[..10];
        using var app = await SharedMailboxAsync(tag);
        var request = new SendMessageRequest
        {
            Mailbox = "support", Subject = $"Your order {tag}", Text = "It ships today.\nRegards", To = { "customer@example.org" },
            Bcc = { "archive@example.org" }, RequestId = tag,
        };

        var sent = await app.Sharing.SendMessageAsync(request, SharingClient.ForUser("bob@team.test"));
        var again = await app.Sharing.SendMessageAsync(request, SharingClient.ForUser("bob@team.test"));
        var readOnly = await Assert.ThrowsAsync<MailMeshRpcException>(() =>
            app.Sharing.SendMessageAsync(new SendMessageRequest { Mailbox = "support", To = { "x@example.org" }, Text = "no" }, SharingClient.ForUser("cat@team.test")));
        var noRecipient = await Assert.ThrowsAsync<MailMeshRpcException>(() =>
            app.Sharing.SendMessageAsync(new SendMessageRequest { Mailbox = "support", To = { "not-an-address" }, Text = "no" }, SharingClient.ForUser("bob@team.test")));
        var audit = await app.Sharing.ListAuditAsync(new ListAuditRequest { Mailbox = "support" }, SharingClient.ForUser("ann@team.test"));

        Assert.False(sent.Repeated);
        Assert.True(again.Repeated);
        Assert.Equal(sent.MessageId, again.MessageId);
        Assert.Equal(["customer@example.org", "archive@example.org"], sent.Recipients);
        Assert.Equal(StatusCode.PermissionDenied, readOnly.StatusCode);
        Assert.Contains("this needs send_as", readOnly.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, noRecipient.StatusCode);
        Assert.Contains("not-an-address", noRecipient.Detail, StringComparison.Ordinal);
        var (message, envelope) = Assert.Single(Captured(tag));
        Assert.Equal($"{tag}@team.example", envelope.GetProperty("mail_from").GetString());
        Assert.Equal(["customer@example.org", "archive@example.org"], envelope.GetProperty("rcpt_tos").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains($"From: \"Support\" <{tag}@team.example>", message, StringComparison.Ordinal);
        Assert.Contains($"Message-ID: <{sent.MessageId}>", message, StringComparison.Ordinal);
        Assert.DoesNotContain("archive@example.org", message, StringComparison.Ordinal);
        var entry = Assert.Single(audit.Entries, e => e.Action == "message.sent");
        Assert.Equal("bob@team.test", entry.Actor);
    }

    private async Task<MailMeshClient> SharedMailboxAsync(string tag)
    {
        var (_, admin) = await host.NewTenantAsync(tag);
        var key = await host.NewKeyAsync(admin, ApiScopes.MailboxesRead, ApiScopes.MailboxesWrite, ApiScopes.MailboxesDelegate);
        var app = host.Client(key);
        await app.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "support", DisplayName = "Support", Address = $"{tag}@team.example" });
        await app.Sharing.SetMemberAsync(new SetMemberRequest { Mailbox = "support", User = "ann@team.test", Access = AccessLevel.Full });
        await app.Sharing.SetMemberAsync(new SetMemberRequest { Mailbox = "support", User = "bob@team.test", Access = AccessLevel.SendAs });
        await app.Sharing.SetMemberAsync(new SetMemberRequest { Mailbox = "support", User = "cat@team.test", Access = AccessLevel.ReadOnly });
        return app;
    }

    /// <summary>Captured messages whose subject names <paramref name="tag"/>, with their envelopes.</summary>
    private static List<(string Message, JsonElement Envelope)> Captured(string tag)
    {
        var capture = TestServers.SmtpCapture;
        if (!Directory.Exists(capture.NewMessagesDirectory))
        {
            return [];
        }

        return Directory.EnumerateFiles(capture.NewMessagesDirectory)
            .Select(f => (Path: f, Text: File.ReadAllText(f)))
            .Where(m => m.Text.Contains("Subject: Your order " + tag, StringComparison.Ordinal))
            .Select(m => (m.Text, JsonDocument.Parse(File.ReadAllText(Path.Combine(capture.EnvelopesDirectory, Path.GetFileName(m.Path) + ".json"))).RootElement))
            .ToList();
    }
}
