namespace MailMesh.Audience.Import;

/// <summary>One record of an import file.</summary>
/// <param name="Row">1-based row in the file, the header being row 1.</param>
/// <param name="Fields">Cell texts (null for empty cells), as many as the header has.</param>
/// <param name="Problem">Why the record cannot be read as a row (bad quoting, wrong field count), or null.</param>
internal readonly record struct ImportRecord(long Row, string?[] Fields, string? Problem);

/// <summary>Reads an import file's header and then its records, one at a time (streaming, so a file of a million rows
/// is never held in memory).</summary>
internal abstract class ImportFileReader : IDisposable
{
    /// <summary>The header cells (row 1).</summary>
    public abstract IReadOnlyList<string> Headers { get; }

    /// <summary>Completes once the next <see cref="Read"/> will not wait for records being prepared in the background.</summary>
    public virtual Task Ready => Task.CompletedTask;

    /// <summary>Reads the next record; false at the end of the file.</summary>
    public abstract bool Read(out ImportRecord record);

    /// <summary>Skips <paramref name="records"/> records (to resume after a crash); returns how many it skipped.</summary>
    public virtual long Skip(long records)
    {
        long skipped = 0;
        while (skipped < records && Read(out _))
        {
            skipped++;
        }

        return skipped;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the file.</summary>
    protected abstract void Dispose(bool disposing);
}
