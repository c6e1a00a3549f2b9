using System.Text;
using CsvHelper;

namespace MailMesh.Audience.Import;

/// <summary>Reads CSV with CsvHelper: byte order marks (UTF-8, UTF-16, UTF-32) select the encoding; without one the
/// text is UTF-8 and bytes that are not valid UTF-8 are read as Windows-1252, so files mixing both (rows pasted from
/// different exports) keep every accent. The separator is detected unless given. A line break inside quotes ends the
/// record (so one unbalanced quote cannot swallow the rest of the file); records with bad quoting or another field count
/// than the header are returned as problems with their line number, never applied.</summary>
internal sealed class CsvImportReader : ImportFileReader
{
    private readonly CsvReader _csv;
    private readonly string[] _headers;
    private readonly Queue<ImportRecord> _malformed = new();
    private ImportRecord? _held;

    public CsvImportReader(Stream stream, string? delimiter)
    {
        var text = new StreamReader(stream, Utf8OrWindows1252.Encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);
        var options = CsvReaderOptions.Default with
        {
            Separator = delimiter?[0],
            AllowLineBreaksInQuotes = false,
            MalformedData = CsvMalformedDataHandling.Skip,
            FieldCountMismatch = CsvFieldCountHandling.Skip,
            TrackLineNumbers = true,
            OnMalformedRecord = OnMalformed,
        };
        _csv = CsvReader.Create(text, options, false);
        _csv.ReadHeader();
        _headers = (_csv.Headers ?? []).Select(h => h.Trim().TrimStart('\uFEFF')).ToArray();
        if (_headers.Length == 0 || _headers.All(h => h.Length == 0))
        {
            throw new InvalidDataException("the file is empty; expected a header row naming the columns");
        }
    }

    public override IReadOnlyList<string> Headers => _headers;

    public override bool Read(out ImportRecord record)
    {
        if (_malformed.Count == 0 && _held is null)
        {
            if (_csv.Read())
            {
                var fields = new string?[_headers.Length];
                for (var i = 0; i < fields.Length && i < _csv.FieldCount; i++)
                {
                    var value = _csv.GetString(i);
                    fields[i] = string.IsNullOrEmpty(value) ? null : value;
                }

                _held = new ImportRecord(_csv.LineNumber, fields, null);
            }
        }

        // Problems found while reading ahead come first: they are earlier in the file than the record read after them.
        if (_malformed.TryDequeue(out record))
        {
            return true;
        }

        if (_held is { } held)
        {
            (record, _held) = (held, null);
            return true;
        }

        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _csv.Dispose();
        }
    }

    private void OnMalformed(CsvMalformedRecord malformed)
    {
        var problem = malformed.Reason switch
        {
            CsvMalformedReason.FieldCountMismatch => $"the row's field count differs from the header's {_headers?.Length} fields",
            CsvMalformedReason.StrayQuote => "a quote inside an unquoted field (quote the whole field and double the quote)",
            CsvMalformedReason.TextAfterClosingQuote => "text after the closing quote of a quoted field",
            CsvMalformedReason.UnterminatedQuote or CsvMalformedReason.LineBreakInQuotes => "a quoted field is not closed on its line",
            _ => $"malformed record ({malformed.Reason})",
        };
        _malformed.Enqueue(new ImportRecord(malformed.LineNumber, new string?[_headers?.Length ?? 0], problem));
    }
}

/// <summary>UTF-8 whose invalid bytes decode as Windows-1252 instead of U+FFFD.</summary>
internal static class Utf8OrWindows1252
{
    static Utf8OrWindows1252() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static Encoding Encoding { get; } = Encoding.GetEncoding("utf-8", EncoderFallback.ExceptionFallback, new Windows1252Fallback());

    private sealed class Windows1252Fallback : DecoderFallback
    {
        private static readonly Encoding s_windows1252 = Encoding.GetEncoding(1252);

        public override int MaxCharCount => 4;

        public override DecoderFallbackBuffer CreateFallbackBuffer() => new Buffer();

        private sealed class Buffer : DecoderFallbackBuffer
        {
            private string _chars = "";
            private int _position;

            public override int Remaining => _chars.Length - _position;

            public override bool Fallback(byte[] bytesUnknown, int index)
            {
                _chars = s_windows1252.GetString(bytesUnknown);
                _position = 0;
                return _chars.Length > 0;
            }

            public override char GetNextChar() => _position < _chars.Length ? _chars[_position++] : '\0';

            public override bool MovePrevious()
            {
                if (_position == 0)
                {
                    return false;
                }

                _position--;
                return true;
            }

            public override void Reset() => (_chars, _position) = ("", 0);
        }
    }
}
