using MailMesh.Grains.Contacts;
using MailMesh.Runtime.Storage;

namespace MailMesh.Audience.Tests.Support;

/// <summary>Uploads a file to an import grain and waits, through the event log, for the import to end.</summary>
public static class ImportRunner
{
    public static async Task<IContactImportGrain> StartAsync(AudienceSilo silo, string id, byte[] file, ImportDefinition definition, int chunkSize = 64 * 1024)
    {
        var import = silo.Grains.GetGrain<IContactImportGrain>("acme/" + id);
        await import.Create(definition);
        for (var offset = 0; offset < file.Length; offset += chunkSize)
        {
            await import.AppendChunk(offset, file[offset..Math.Min(file.Length, offset + chunkSize)]);
        }

        await import.Start(file.Length);
        return import;
    }

    public static async Task<ImportStatus> RunAsync(AudienceSilo silo, string id, byte[] file, ImportDefinition definition)
    {
        var import = await StartAsync(silo, id, file, definition);
        await WaitForEndAsync(silo, id);
        return await import.GetStatus();
    }

    /// <summary>Waits for import.completed or import.stopped of <paramref name="id"/>.</summary>
    public static async Task WaitForEndAsync(AudienceSilo silo, string id) =>
        await WaitForEventsAsync(silo, e => e.Type is "import.completed" or "import.stopped" && e.Subject == "acme/" + id, 1, $"the end of import {id}");

    /// <summary>Waits until <paramref name="count"/> events match.</summary>
    public static async Task WaitForEventsAsync(AudienceSilo silo, Func<EventRecord, bool> match, int count, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        long after = 0;
        var seen = 0;
        while (true)
        {
            foreach (var e in await silo.Events.ReadAsync(after + 1, 10_000, new EventFilter("acme")))
            {
                after = e.Sequence;
                seen += match(e) ? 1 : 0;
            }

            if (seen >= count)
            {
                return;
            }

            try
            {
                await silo.Events.WaitForEventsAsync(after, timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"waited 120 s for {what}; saw {seen} of {count} matching events");
            }
        }
    }
}
