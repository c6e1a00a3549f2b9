using System.Globalization;
using ExcelDataReader;

namespace MailMesh.Audience.Import;

/// <summary>Reads one sheet of an .xlsx workbook with ExcelDataReader (streaming rows); cells become the same text a
/// CSV would hold: numbers invariant, dates ISO 8601, booleans true/false. Rows with no value are skipped.</summary>
internal sealed class XlsxImportReader : ImportFileReader
{
    private readonly IExcelDataReader _reader;
    private readonly string[] _headers;

    public XlsxImportReader(Stream seekableStream, int sheet)
    {
        _ = Utf8OrWindows1252.Encoding; // registers the code pages older workbooks need
        try
        {
            _reader = ExcelReaderFactory.CreateOpenXmlReader(seekableStream);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"the file is not an .xlsx workbook ({e.Message})", e);
        }

        for (var i = 0; i < sheet; i++)
        {
            if (!_reader.NextResult())
            {
                throw new InvalidDataException($"the workbook has {i + 1} sheet(s); sheet {sheet} (0-based) does not exist");
            }
        }

        string[]? headers = null;
        while (headers is null && _reader.Read())
        {
            var cells = Cells();
            if (cells.Any(c => c is not null))
            {
                headers = cells.Select(c => c?.Trim() ?? "").ToArray();
            }
        }

        _headers = headers ?? throw new InvalidDataException("the sheet is empty; expected a header row naming the columns");
    }

    public override IReadOnlyList<string> Headers => _headers;

    public override bool Read(out ImportRecord record)
    {
        while (_reader.Read())
        {
            var cells = Cells();
            if (cells.All(c => c is null))
            {
                continue;
            }

            var fields = new string?[_headers.Length];
            Array.Copy(cells, fields, Math.Min(cells.Length, fields.Length));
            var extra = cells.Skip(_headers.Length).Any(c => c is not null);
            record = new ImportRecord(_reader.Depth + 1, fields, extra ? $"the row has values beyond the header's {_headers.Length} columns" : null);
            return true;
        }

        record = default;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _reader.Dispose();
        }
    }

    private string?[] Cells()
    {
        var cells = new string?[_reader.FieldCount];
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = _reader.GetValue(i) switch
            {
                null => null,
                string s => s.Length == 0 ? null : s,
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                DateTime t => t.TimeOfDay == TimeSpan.Zero
                    ? t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                    : t.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                var other => Convert.ToString(other, CultureInfo.InvariantCulture),
            };
        }

        return cells;
    }
}
