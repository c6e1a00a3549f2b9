using MailMesh.Audience.Import;

namespace MailMesh.Audience.Tests;

public sealed class AddressOrderedReaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mailmesh-ordered-reader-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Rows 2..n+1 with seeded addresses among few distinct ones (so addresses repeat across runs), some rows
    /// refused (no key) and some with null and non-ASCII cells.</summary>
    private static List<ImportRecord> Records(int count)
    {
        var random = new Random(11);
        var records = new List<ImportRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var row = i + 2L;
            records.Add(random.Next(10) == 0
                ? new ImportRecord(row, [null, "x"], "a quoted field is not closed on its line")
                : new ImportRecord(row, [$"user{random.Next(count / 3)}@example.com", i % 4 == 0 ? null : $"Zoë \"{i}\""], null));
        }

        return records;
    }

    private static string? Key(ImportRecord record) => record.Problem is null ? record.Fields[0] : null;

    private AddressOrderedReader Reader(List<ImportRecord> records, int run) =>
        new(new ListReader(records), Key, run, Path.Combine(_directory, "spill"));

    private static List<ImportRecord> ReadAll(ImportFileReader reader)
    {
        var read = new List<ImportRecord>();
        while (reader.Read(out var record))
        {
            read.Add(record);
        }

        return read;
    }

    /// <summary>What the reader must yield: runs of <paramref name="run"/> records in file order, each sorted by key (null
    /// first) and then by row.</summary>
    private static List<ImportRecord> Expected(List<ImportRecord> records, int run) =>
        records.Chunk(run).SelectMany(chunk => chunk.OrderBy(Key, StringComparer.Ordinal).ThenBy(r => r.Row)).ToList();

    [Theory]
    [InlineData(1000, 1000)]
    [InlineData(1000, 300)]
    [InlineData(1001, 7)]
    [InlineData(5, 100)]
    public void Read_RunsOfRecords_YieldsEachRecordOnceInAddressThenRowOrderWithinItsRun(int count, int run)
    {
        var records = Records(count);
        using var reader = Reader(records, run);

        var read = ReadAll(reader);

        var expected = Expected(records, run);
        Assert.Equal(expected.Select(r => r.Row), read.Select(r => r.Row));
        Assert.Equal(expected.Select(r => (r.Problem, string.Join("|", r.Fields.Select(f => f ?? "<null>")))),
            read.Select(r => (r.Problem, string.Join("|", r.Fields.Select(f => f ?? "<null>")))));
        Assert.Empty(Directory.GetFiles(_directory)); // every spill file is gone once read
    }

    [Theory]
    [InlineData(0)]
    [InlineData(299)]
    [InlineData(300)]
    [InlineData(301)]
    [InlineData(950)]
    [InlineData(1000)]
    [InlineData(1200)]
    public void Skip_AfterACrash_ResumesWithExactlyTheRecordsNotSettled(int settled)
    {
        var records = Records(1000);
        var expected = Expected(records, 300);
        using var reader = Reader(records, 300);

        var skipped = reader.Skip(settled);
        var rest = ReadAll(reader);

        Assert.Equal(Math.Min(settled, 1000), skipped);
        Assert.Equal(expected.Skip(settled).Select(r => r.Row), rest.Select(r => r.Row));
    }

    [Fact]
    public async Task Ready_WhileTheNextRunIsBuilt_CompletesAndReadsDoNotWait()
    {
        var records = Records(2000);
        using var reader = Reader(records, 500);

        await reader.Ready.WaitAsync(TimeSpan.FromSeconds(30));
        var first = new List<long>();
        for (var i = 0; i < 500 && reader.Read(out var record); i++)
        {
            first.Add(record.Row);
        }

        Assert.Equal(Expected(records, 500).Take(500).Select(r => r.Row), first);
        await reader.Ready.WaitAsync(TimeSpan.FromSeconds(30)); // the second run, read ahead
        Assert.Equal(1500, ReadAll(reader).Count);
    }

    [Fact]
    public void Dispose_WithARunBeingReadAhead_DeletesEverySpillFile()
    {
        var reader = Reader(Records(3000), 1000);
        Assert.True(reader.Read(out _));

        reader.Dispose();

        Assert.Empty(Directory.GetFiles(_directory));
    }

    /// <summary>A reader over records in memory.</summary>
    private sealed class ListReader(List<ImportRecord> records) : ImportFileReader
    {
        private int _next;

        public override IReadOnlyList<string> Headers { get; } = ["email", "first_name"];

        public override bool Read(out ImportRecord record)
        {
            if (_next == records.Count)
            {
                record = default;
                return false;
            }

            record = records[_next++];
            return true;
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
