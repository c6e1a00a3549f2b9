using MailMesh.Audience.Contacts;
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
        await using (var file = new FileStream(_workFile, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            for (var i = 0; i < state.State.Chunks.Count; i++)
            {
                var name = BlobPrefix + i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
                await using var download = await blobs.OpenReadAsync(name, cancellationToken: cancellationToken)
                    ?? throw new InvalidOperationException($"chunk {i} of import '{Id}' ({name}) is missing from the blob store");
                await download.Content.CopyToAsync(file, cancellationToken);
            }
        }

        var schema = await GrainFactory.GetGrain<IContactSchemaGrain>(ContactSchemaGrain.KeyFor(GrainId.Tenant)).Get();
        try
        {
            var stream = new FileStream(_workFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.DeleteOnClose);
            _reader = definition.Format == ImportFormat.Xlsx ? new XlsxImportReader(stream, definition.Sheet) : new CsvImportReader(stream, definition.Delimiter);
            var columns = ImportColumns.Resolve(_reader.Headers, definition, schema);
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

    /// <summary>Merges rows with the same address (later cells win), upserts each contact once, and counts.</summary>
    private async Task ApplyAsync(List<MappedRow> rows)
    {
        var s = state.State;
        var merged = new Dictionary<string, (ContactChange Change, List<MappedRow> Rows)>(StringComparer.Ordinal);
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
                merged[row.Address!] = (Merge(earlier.Change, row.Change), earlier.Rows);
            }
            else
            {
                merged[row.Address!] = (row.Change, [row]);
            }
        }

        var tenant = GrainId.Tenant;
        var calls = merged.Select(async pair =>
        {
            var contact = GrainFactory.GetGrain<IContactGrain>(tenant + "/" + pair.Key);
            try
            {
                return (pair.Value.Rows, Result: await contact.Upsert(pair.Value.Change), Error: (string?)null);
            }
            catch (ArgumentException e)
            {
                return (pair.Value.Rows, Result: (ContactUpsertResult?)null, Error: e.Message);
            }
        }).ToList();
        foreach (var (mergedRows, result, error) in await Task.WhenAll(calls))
        {
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
