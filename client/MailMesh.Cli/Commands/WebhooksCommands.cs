using System.CommandLine;
using System.Globalization;
using MailMesh.Api.V1;
using MailMesh.Client;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

/// <summary><c>mailmesh webhooks create|list|get|delete|dead-letters|replay</c> over <c>mailmesh.v1.Webhooks</c> (admin key).</summary>
internal static class WebhooksCommands
{
    public static Command Create(CliApp app)
    {
        var webhooks = new Command("webhooks", "Webhook subscriptions of the key's tenant: signed event POSTs, dead letters and replay (admin key)");
        webhooks.Add(CreateCommand(app));
        webhooks.Add(ListCommand(app));
        webhooks.Add(GetCommand(app));
        webhooks.Add(DeleteCommand(app));
        webhooks.Add(DeadLettersCommand(app));
        webhooks.Add(ReplayCommand(app));
        return webhooks;
    }

    private static Command CreateCommand(CliApp app)
    {
        var url = new Argument<string>("url") { Description = "The http:// or https:// URL the events are POSTed to" };
        var events = new Option<string[]>("--event", "-e")
        {
            Description = "An event type or type prefix to deliver, e.g. message.received or mailbox (repeat; default: all events)",
        };
        var description = new Option<string?>("--description") { Description = "A note for the operator" };
        var json = Format.JsonOption();
        var create = new Command("create", "Subscribe a URL to the tenant's events; prints the signing secret (shown only this once)") { url, events, description, json };
        create.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var request = new CreateWebhookSubscriptionRequest { Url = parse.GetValue(url)!, Description = parse.GetValue(description) ?? "" };
            foreach (var type in parse.GetValue(events) ?? [])
            {
                if (string.IsNullOrWhiteSpace(type))
                {
                    throw new CliException("--event needs an event type or prefix, e.g. --event message.received");
                }

                request.EventTypes.Add(type.Trim());
            }

            var created = await client.Webhooks.CreateSubscriptionAsync(request, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(created));
                return;
            }

            await app.Output.WriteLineAsync($"created webhook {created.Id} -> {created.Url} ({Types(created)})");
            await app.Output.WriteLineAsync($"signing secret (base64, shown only now): {created.Secret}");
        }));
        return create;
    }

    private static Command ListCommand(CliApp app)
    {
        var json = Format.JsonOption(list: true);
        var list = new Command("list", "List the subscriptions (without secrets)") { json };
        list.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var response = await client.Webhooks.ListSubscriptionsAsync(new ListWebhookSubscriptionsRequest(), options, ct);
            if (parse.GetValue(json))
            {
                await Format.WriteJsonLinesAsync(app.Output, response.Subscriptions);
                return;
            }

            if (response.Subscriptions.Count == 0)
            {
                await app.Output.WriteLineAsync("no webhook subscriptions");
                return;
            }

            var table = new Table().AddColumns("id", "url", "events", "position", "dead letters", "created", "description");
            foreach (var s in response.Subscriptions)
            {
                table.AddRow(Markup.Escape(s.Id), Markup.Escape(s.Url), Markup.Escape(Types(s)), s.Position.ToString(CultureInfo.InvariantCulture),
                    s.DeadLetterCount.ToString(CultureInfo.InvariantCulture), Format.Time(s.CreatedAt), Markup.Escape(s.Description));
            }

            app.Console.Write(table);
        }));
        return list;
    }

    private static Command GetCommand(CliApp app)
    {
        var id = new Argument<string>("id") { Description = "The subscription id" };
        var json = Format.JsonOption();
        var get = new Command("get", "Show one subscription") { id, json };
        get.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var subscription = await FindAsync(client, parse.GetValue(id)!, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(subscription));
                return;
            }

            await app.Output.WriteLineAsync($"id:           {subscription.Id}");
            await app.Output.WriteLineAsync($"url:          {subscription.Url}");
            await app.Output.WriteLineAsync($"events:       {Types(subscription)}");
            await app.Output.WriteLineAsync($"description:  {subscription.Description}");
            await app.Output.WriteLineAsync($"created:      {Format.Time(subscription.CreatedAt)}");
            await app.Output.WriteLineAsync($"position:     {subscription.Position.ToString(CultureInfo.InvariantCulture)}");
            await app.Output.WriteLineAsync($"dead letters: {subscription.DeadLetterCount.ToString(CultureInfo.InvariantCulture)}");
        }));
        return get;
    }

    private static Command DeleteCommand(CliApp app)
    {
        var id = new Argument<string>("id") { Description = "The subscription id" };
        var delete = new Command("delete", "Delete a subscription and its dead letters") { id };
        delete.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var target = parse.GetValue(id)!;
            await client.Webhooks.DeleteSubscriptionAsync(new DeleteWebhookSubscriptionRequest { Id = target }, options, ct);
            await app.Output.WriteLineAsync($"deleted webhook {target}");
        }));
        return delete;
    }

    private static Command DeadLettersCommand(CliApp app)
    {
        var id = new Argument<string>("id") { Description = "The subscription id" };
        var json = Format.JsonOption(list: true);
        var deadLetters = new Command("dead-letters", "List the events a subscription gave up on") { id, json };
        deadLetters.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var response = await client.Webhooks.ListDeadLettersAsync(new ListWebhookDeadLettersRequest { SubscriptionId = parse.GetValue(id)! }, options, ct);
            if (parse.GetValue(json))
            {
                await Format.WriteJsonLinesAsync(app.Output, response.DeadLetters);
                return;
            }

            if (response.DeadLetters.Count == 0)
            {
                await app.Output.WriteLineAsync("no dead letters");
                return;
            }

            var table = new Table().AddColumns("sequence", "event id", "type", "subject", "attempts", "failed", "reason");
            foreach (var d in response.DeadLetters)
            {
                table.AddRow(d.Sequence.ToString(CultureInfo.InvariantCulture), Markup.Escape(d.EventId), Markup.Escape(d.Type), Markup.Escape(d.Subject),
                    d.Attempts.ToString(CultureInfo.InvariantCulture), Format.Time(d.FailedAt), Markup.Escape(d.Reason));
            }

            app.Console.Write(table);
        }));
        return deadLetters;
    }

    private static Command ReplayCommand(CliApp app)
    {
        var id = new Argument<string>("id") { Description = "The subscription id" };
        var eventId = new Option<string?>("--event-id") { Description = "Replay only this dead letter (default: all of them)" };
        var replay = new Command("replay", "Queue dead letters for delivery again; they leave the list once queued") { id, eventId };
        replay.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var response = await client.Webhooks.ReplayDeadLettersAsync(
                new ReplayWebhookDeadLettersRequest { SubscriptionId = parse.GetValue(id)!, EventId = parse.GetValue(eventId) ?? "" }, options, ct);
            await app.Output.WriteLineAsync($"queued {response.Queued.ToString(CultureInfo.InvariantCulture)} dead letter(s) for delivery");
        }));
        return replay;
    }

    /// <summary>The API has no single-subscription read; the list is short (one tenant's subscriptions).</summary>
    private static async Task<WebhookSubscription> FindAsync(MailMeshClient client, string id, CallOptions options, CancellationToken cancellationToken)
    {
        var response = await client.Webhooks.ListSubscriptionsAsync(new ListWebhookSubscriptionsRequest(), options, cancellationToken);
        return response.Subscriptions.FirstOrDefault(s => s.Id == id)
            ?? throw new MailMeshRpcException(StatusCode.NotFound, $"no webhook subscription with id '{id}' in this tenant (see 'mailmesh webhooks list')");
    }

    private static string Types(WebhookSubscription subscription) =>
        subscription.EventTypes.Count == 0 ? "all events" : string.Join(", ", subscription.EventTypes);
}
