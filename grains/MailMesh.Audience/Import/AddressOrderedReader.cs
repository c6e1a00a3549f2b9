namespace MailMesh.Audience.Import;

/// <summary>Reads the records of another reader in runs of <c>runLength</c> records (taken in file order), each run in
/// the order of its contacts' normalized addresses and then of rows (docs/adr/audience-07-address-ordered-imports.md).
/// The new contacts of a step then land next to each other in every index keyed by address (grain state key, event
/// subject, read-model address) instead of on one random page each; the rows of one address keep their file order, so
/// later cells still win; and the order depends on the file alone, so a resumed import skips exactly the records it
/// settled. The next run is read, keyed and spilled to a temporary file in the background while the current one is
/// applied, so only the first run is waited for.</summary>
internal sealed class AddressOrderedReader : ImportFileReader
{
    private readonly ImportFileReader _source;
    private readonly Func<ImportRecord, string?> _key;
    private readonly int _runLength;
    private readonly string _spillPath;
    private Task<AddressOrderedRun?>? _next;
    private AddressOrderedRun? _current;
    private int _runs;
    private bool _ended;

    /// <summary>Reads <paramref name="source"/> (which it owns) in address-ordered runs.</summary>
    /// <param name="source">The file's reader, positioned after the header.</param>
    /// <param name="key">A record's normalized address, or null for a record refused before its address counts (it sorts
    /// first, in row order).</param>
    /// <param name="runLength">Records per run (the import state keeps it, so a resumed import sees the same runs).</param>
    /// <param name="spillPath">Path prefix of the runs' temporary files (deleted when closed).</param>
    public AddressOrderedReader(ImportFileReader source, Func<ImportRecord, string?> key, int runLength, string spillPath)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runLength, 1);
        _source = source;
        _key = key;
        _runLength = runLength;
        _spillPath = spillPath;
    }

    /// <inheritdoc />
    public override IReadOnlyList<string> Headers => _source.Headers;

    /// <summary>Completes once the next <see cref="Read"/> does not wait for a run to be built.</summary>
    public override Task Ready => _current is { Remaining: > 0 } || _ended ? Task.CompletedTask : (_next ??= BuildNext());

    /// <inheritdoc />
    public override bool Read(out ImportRecord record)
    {
        while (true)
        {
            if (_current is not null && _current.TryRead(out record))
            {
                return true;
            }

            _current?.Dispose();
            _current = null;
            if (_ended)
            {
                record = default;
                return false;
            }

            var next = _next ?? BuildNext();
            _next = null;
            // Waits only when the caller did not await Ready (resuming, or a step crossing into a run still being built).
            _current = next.GetAwaiter().GetResult();
            if (_current is null)
            {
                _ended = true;
                record = default;
                return false;
            }

            _next = BuildNext();
        }
    }

    /// <summary>Skips whole runs in the source without sorting them (every record of a run before the cursor was
    /// settled), then the records of the run the cursor falls in.</summary>
    public override long Skip(long records)
    {
        long skipped = 0;
        if (_current is null && _next is null)
        {
            while (records - skipped >= _runLength)
            {
                var count = _source.Skip(_runLength);
                skipped += count;
                if (count < _runLength)
                {
                    _ended = true;
                    return skipped;
                }
            }
        }

        return skipped + base.Skip(records - skipped);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        if (_next is not null)
        {
            // The build reads the source: let it finish before the source is closed.
            try
            {
                _next.GetAwaiter().GetResult()?.Dispose();
            }
            catch (Exception)
            {
                // A failed read-ahead has nothing left to release; the failure is the next opener's to see.
            }
        }

        _current?.Dispose();
        _source.Dispose();
    }

    private Task<AddressOrderedRun?> BuildNext()
    {
        var path = _spillPath + "." + _runs++;
        return Task.Run(() => AddressOrderedRun.Build(_source, _key, _runLength, path));
    }
}
