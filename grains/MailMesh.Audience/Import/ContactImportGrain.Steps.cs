using MailMesh.Audience.Contacts;
using MailMesh.Audience.Privacy;
using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Import;

public sealed partial class ContactImportGrain
{
    private IDisposable? _timer;
    private ImportFileReader? _reader;
    private ImportRowMapper? _mapper;
    private string? _workFile;

    private void StartStepping() => _timer ??= RegisterTimer(StepAsync, TimeSpan.Zero, TimeSpan.FromMilliseconds(1));

    private void StopStepping()
    {
        _timer?.Dispose();
        _timer = null;
        CloseReader();
    }

    /// <summary>Applies the next batch of rows, then stores the cursor and counts with them.</summary>
    private async Task StepAsync(CancellationToken cancellationToken)
    {
        if (state.State.State != ImportState.Running)
        {
            StopStepping();
            return;
        }

        try
        {
            if (_reader is null && !await OpenAsync(cancellationToken))
            {
                return;
            }

            var ready = _reader!.Ready;
            if (!ready.IsCompleted)
            {
                // The first run is still being read and sorted: give the turn back now and then (status calls wait
                // behind a turn) and step once it is there.
                await Task.WhenAny(ready, Task.Delay(ReadyWait, TimeProvider, cancellationToken));
                if (!ready.IsCompleted)
                {
                    return;
                }
            }

            var rows = new List<MappedRow>(options.Value.ImportBatchSize);
            var end = false;
            while (rows.Count < options.Value.ImportBatchSize)
            {
                if (!_reader!.Read(out var record))
                {
                    end = true;
                    break;
                }

                rows.Add(_mapper!.Map(record));
            }

            await ApplyAsync(rows);
            state.State.RowsRead += rows.Count;
            if (end)
            {
                await FinishAsync(ImportState.Completed, null);
            }
            else
            {
                await state.WriteStateAsync(cancellationToken);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Nothing of the step was recorded: reopen the file and repeat it from the stored cursor on the next tick.
            LogStepFailed(logger, e, GrainKey, state.State.RowsRead + 2);
            await state.ReadStateAsync(cancellationToken);
            CloseReader();
        }
    }

    /// <summary>Opens the file at the stored cursor; on a problem with the file as a whole the import fails.</summary>
    private async Task<bool> OpenAsync(CancellationToken cancellationToken)
    {
        var definition = state.State.Definition!;
        _workFile = Path.Combine(Path.GetTempPath(), "mailmesh-imports", $"{GrainId.Tenant}-{Id}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.GetDirectoryName(_workFile)!);
        try
        {
            await CopyChunksAsync(cancellationToken);
        }
        catch (InvalidDataException e)
        {
            CloseReader();
            await FinishAsync(ImportState.Failed, e.Message);
            return false;
        }

        var schema = await GrainFactory.GetGrain<IContactSchemaGrain>(ContactSchemaGrain.KeyFor(GrainId.Tenant)).Get();
        try
        {
            var stream = new FileStream(_workFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.DeleteOnClose);
            _reader = definition.Format == ImportFormat.Xlsx ? new XlsxImportReader(stream, definition.Sheet) : new CsvImportReader(stream, definition.Delimiter);
            var columns = ImportColumns.Resolve(_reader.Headers, definition, schema);
            if (state.State.OrderRun > 0)
            {
                var email = columns.Email;
                _reader = new AddressOrderedReader(_reader, record => AddressKey(record, email), state.State.OrderRun, _workFile + ".run");
            }

            _mapper = new ImportRowMapper(columns, definition, Id, state.State.CreatedAt);
            if (state.State.RowsRead == 0)
            {
                foreach (var ignored in columns.Ignored)
                {
                    AddIssue(new ImportIssue(1, columns.Headers[ignored], "warning", "the column maps to no attribute and is ignored", null));
                }
            }

            _reader.Skip(state.State.RowsRead);
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or CsvHelper.CsvFormatException or ExcelDataReader.Exceptions.ExcelReaderException)
        {
            CloseReader();
            await FinishAsync(ImportState.Failed, e.Message);
            return false;
        }
    }

    /// <summary>The normalized address a record's contact is keyed by (what <see cref="ImportRowMapper"/> finds), or null
    /// when the record is refused before its address counts.</summary>
    private static string? AddressKey(ImportRecord record, int email) =>
        record.Problem is null && ContactAddress.Check(record.Fields[email]) is { IsValid: true } check ? check.Normalized : null;

    /// <summary>Decrypts the uploaded chunks into the work file.</summary>
    private async Task CopyChunksAsync(CancellationToken cancellationToken)
    {
        await using var file = new FileStream(_workFile!, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        for (var i = 0; i < state.State.Chunks.Count; i++)
        {
            var name = BlobPrefix + i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
            await using var download = await blobs.OpenReadAsync(name, cancellationToken: cancellationToken)
                ?? throw new InvalidOperationException($"chunk {i} of import '{Id}' ({name}) is missing from the blob store");
            using var sealedChunk = new MemoryStream();
            await download.Content.CopyToAsync(sealedChunk, cancellationToken);
            await file.WriteAsync(ChunkCipher.Open(state.State.ChunkKey, i, sealedChunk.ToArray(), name), cancellationToken);
        }
    }

    /// <summary>Merges rows with the same address (later cells win), refuses erased addresses, creates the new contacts in
    /// bulk where the storage can, upserts the others through their grains (a bounded number at a time), and counts.</summary>
    private async Task ApplyAsync(List<MappedRow> rows)
    {
        var s = state.State;
        var merged = new Dictionary<string, StepContact>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            row.Issues.ForEach(AddIssue);
            if (row.Change is null)
            {
                s.Invalid++;
                continue;
            }

            if (merged.TryGetValue(row.Address!, out var earlier))
            {
                s.Merged++;
                earlier.Rows.Add(row);
                merged[row.Address!] = earlier with { Change = Merge(earlier.Change, row.Change) };
            }
            else
            {
                merged[row.Address!] = new StepContact(row.Address!, row.Change, [row]);
            }
        }

        var tenant = GrainId.Tenant;
        var privacy = GrainFactory.GetGrain<IContactPrivacyGrain>(ContactPrivacyGrain.KeyFor(tenant));
        var hashes = merged.Keys.ToDictionary(a => a, a => hasher.Hash(tenant, a), StringComparer.Ordinal);
        var erased = merged.Count == 0 ? [] : (await privacy.FilterErased([.. hashes.Values])).ToHashSet(StringComparer.Ordinal);
        var contacts = new List<StepContact>(merged.Count);
        foreach (var contact in merged.Values)
        {
            if (erased.Contains(hashes[contact.Address]))
            {
                s.Invalid += contact.Rows.Count;
                // The issue does not repeat the address: the row number finds it in the file.
                AddIssue(new ImportIssue(contact.Rows[0].Row, null, "error", "the address was erased at the person's request (GDPR) and may not be imported again", null));
            }
            else
            {
                contacts.Add(contact);
            }
        }

        var outcomes = new List<StepOutcome>(contacts.Count);
        var forGrains = contacts;
        if (_bulk is not null)
        {
            var schema = await GrainFactory.GetGrain<IContactSchemaGrain>(ContactSchemaGrain.KeyFor(tenant)).Get();
            (outcomes, forGrains) = await _bulk.CreateNewAsync(tenant, contacts, schema, TimeProvider.GetUtcNow());
            await EraseIfBlockedMeanwhileAsync(privacy, outcomes, hashes);
        }

        for (var start = 0; start < forGrains.Count; start += MaxParallelUpserts)
        {
            var calls = forGrains.Skip(start).Take(MaxParallelUpserts).Select(async contact =>
            {
                try
                {
                    return new StepOutcome(contact, await GrainFactory.GetGrain<IContactGrain>(tenant + "/" + contact.Address).Upsert(contact.Change), null);
                }
                catch (Exception e) when (e is ArgumentException or ContactErasedException)
                {
                    return new StepOutcome(contact, null, e.Message);
                }
            }).ToList();
            outcomes.AddRange(await Task.WhenAll(calls));
        }

        foreach (var (contact, result, error) in outcomes)
        {
            var mergedRows = contact.Rows;
            if (result is null)
            {
                s.Invalid += mergedRows.Count;
                AddIssue(new ImportIssue(mergedRows[0].Row, null, "error", error!, mergedRows[0].Address));
                continue;
            }

            s.Created += result.Created ? 1 : 0;
            s.Updated += !result.Created && result.Changed ? 1 : 0;
            s.Unchanged += result.Changed ? 0 : 1;
            if (!result.Contact.Mailable)
            {
                s.NotMailable += mergedRows.Count;
                AddIssue(new ImportIssue(mergedRows[^1].Row, null, "warning", "the contact is suppressed (" +
                    string.Join(", ", result.Contact.Suppressions.Where(x => x.Scope == "*").Select(x => x.Reason.ToString().ToLowerInvariant())) +
                    "); it was updated but stays unmailable", result.Contact.Address));
            }
        }
    }

    /// <summary>An erasure that ran between the step's block-list check and its bulk write would leave a contact for a
    /// blocked address: erase those again (rare; one more look at the block list per step).</summary>
    private async Task EraseIfBlockedMeanwhileAsync(IContactPrivacyGrain privacy, List<StepOutcome> outcomes, Dictionary<string, string> hashes)
    {
        var created = outcomes.Where(o => o.Result is { Created: true }).ToList();
        if (created.Count == 0)
        {
            return;
        }

        var blocked = (await privacy.FilterErased([.. created.Select(o => hashes[o.Contact.Address])])).ToHashSet(StringComparer.Ordinal);
        if (blocked.Count == 0)
        {
            return;
        }

        foreach (var outcome in created.Where(o => blocked.Contains(hashes[o.Contact.Address])))
        {
            await GrainFactory.GetGrain<IContactGrain>(GrainId.Tenant + "/" + outcome.Contact.Address).Erase("import:" + Id);
            outcomes[outcomes.IndexOf(outcome)] = outcome with { Result = null, Error = "the address was erased at the person's request (GDPR) while the import ran" };
        }
    }

    private static ContactChange Merge(ContactChange first, ContactChange second)
    {
        var attributes = new Dictionary<string, AttributeValue?>(first.Attributes ?? new Dictionary<string, AttributeValue?>(), StringComparer.Ordinal);
        foreach (var (name, value) in second.Attributes ?? new Dictionary<string, AttributeValue?>())
        {
            attributes[name] = value;
        }

        return first with
        {
            Attributes = attributes,
            AddLists = [.. (first.AddLists ?? []).Union(second.AddLists ?? [], StringComparer.Ordinal)],
            Consent = [.. first.Consent ?? [], .. second.Consent ?? []],
        };
    }

    private void AddIssue(ImportIssue issue)
    {
        if (issue.Severity == "warning")
        {
            state.State.Warnings++;
        }

        if (state.State.Issues.Count < MaxStoredIssues)
        {
            state.State.Issues.Add(issue);
        }
    }

    private async Task FinishAsync(ImportState final, string? error)
    {
        var s = state.State;
        s.State = final;
        s.Error = error;
        s.CompletedAt = TimeProvider.GetUtcNow();
        s.ChunkKey = null; // the uploaded file becomes unreadable wherever its bytes remain
        s.Issues = [.. s.Issues.OrderBy(i => i.Row)]; // found in address order within each run
        RaiseEvent(final == ImportState.Completed ? "import.completed" : "import.stopped", GrainKey, new
        {
            import = Id, file = s.Definition!.FileName, state = final.ToString().ToLowerInvariant(), rows = s.RowsRead, created = s.Created,
            updated = s.Updated, unchanged = s.Unchanged, invalid = s.Invalid, merged = s.Merged, notMailable = s.NotMailable, warnings = s.Warnings, error,
        });
        await state.WriteStateAsync();
        StopStepping();
        await UnregisterReminderAsync(ResumeReminder);
        // The uploaded file holds personal data: it goes once the import has ended.
        for (var i = 0; i < s.Chunks.Count; i++)
        {
            await blobs.DeleteAsync(BlobPrefix + i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture));
        }

        LogFinished(logger, GrainKey, final, s.RowsRead, s.Created, s.Updated, s.Invalid);
    }

    private void CloseReader()
    {
        _reader?.Dispose();
        _reader = null;
        _mapper = null;
        if (_workFile is not null && File.Exists(_workFile))
        {
            File.Delete(_workFile);
        }

        _workFile = null;
    }
}
