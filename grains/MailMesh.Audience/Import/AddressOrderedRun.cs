using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace MailMesh.Audience.Import;

/// <summary>One run of an <see cref="AddressOrderedReader"/>: its records spilled to a temporary file (only their keys
/// and positions stay in memory), read back in (address, row) order.</summary>
internal sealed class AddressOrderedRun : IDisposable
{
    private readonly FileStream _file;
    private readonly List<string?> _keys;
    private readonly List<long> _offsets;
    private readonly List<int> _lengths;
    private int[] _order = [];
    private byte[] _buffer = new byte[1024];
    private int _next;

    private AddressOrderedRun(string path, int capacity)
    {
        // The spill holds the file's personal data like the work file it comes from: private, and gone once closed.
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        _keys = new List<string?>(capacity);
        _offsets = new List<long>(capacity);
        _lengths = new List<int>(capacity);
    }

    /// <summary>Records not read yet.</summary>
    public int Remaining => _order.Length - _next;

    /// <summary>Reads up to <paramref name="length"/> records of <paramref name="source"/> into a run in key order; null
    /// when the source has none left.</summary>
    public static AddressOrderedRun? Build(ImportFileReader source, Func<ImportRecord, string?> key, int length, string path)
    {
        var run = new AddressOrderedRun(path, Math.Min(length, 65_536));
        try
        {
            var encoded = new ArrayBufferWriter<byte>(1024);
            long offset = 0;
            while (run._keys.Count < length && source.Read(out var record))
            {
                encoded.ResetWrittenCount();
                Encode(encoded, record);
                run._file.Write(encoded.WrittenSpan);
                run._keys.Add(key(record));
                run._offsets.Add(offset);
                run._lengths.Add(encoded.WrittenCount);
                offset += encoded.WrittenCount;
            }

            if (run._keys.Count == 0)
            {
                run.Dispose();
                return null;
            }

            run._file.Flush();
            run.Sort();
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    /// <summary>The next record in (address, row) order.</summary>
    public bool TryRead(out ImportRecord record)
    {
        if (_next == _order.Length)
        {
            record = default;
            return false;
        }

        var index = _order[_next++];
        var length = _lengths[index];
        if (_buffer.Length < length)
        {
            _buffer = new byte[Math.Max(length, _buffer.Length * 2)];
        }

        var bytes = _buffer.AsSpan(0, length);
        for (var read = 0; read < length;)
        {
            var count = RandomAccess.Read(_file.SafeFileHandle, bytes[read..], _offsets[index] + read);
            if (count == 0)
            {
                throw new IOException($"the import's spill file '{_file.Name}' ended early (record {index}).");
            }

            read += count;
        }

        record = Decode(bytes);
        return true;
    }

    public void Dispose() => _file.Dispose();

    private void Sort()
    {
        // Records were added in file order, so the position breaks ties between rows of one address by row.
        var keys = _keys;
        _order = new int[keys.Count];
        for (var i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }

        Array.Sort(_order, (a, b) =>
        {
            var byKey = string.CompareOrdinal(keys[a], keys[b]);
            return byKey != 0 ? byKey : a.CompareTo(b);
        });
    }

    // A record: row (int64), problem, field count (int32), fields; a string is its UTF-8 length (int32, -1 for null)
    // and bytes.
    private static void Encode(ArrayBufferWriter<byte> output, ImportRecord record)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), record.Row);
        output.Advance(8);
        EncodeString(output, record.Problem);
        BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), record.Fields.Length);
        output.Advance(4);
        foreach (var field in record.Fields)
        {
            EncodeString(output, field);
        }
    }

    private static void EncodeString(ArrayBufferWriter<byte> output, string? text)
    {
        if (text is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), -1);
            output.Advance(4);
            return;
        }

        var span = output.GetSpan(4 + Encoding.UTF8.GetMaxByteCount(text.Length));
        var length = Encoding.UTF8.GetBytes(text, span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, length);
        output.Advance(4 + length);
    }

    private static ImportRecord Decode(ReadOnlySpan<byte> bytes)
    {
        var row = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var position = 8;
        var problem = DecodeString(bytes, ref position);
        var fields = new string?[BinaryPrimitives.ReadInt32LittleEndian(bytes[position..])];
        position += 4;
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = DecodeString(bytes, ref position);
        }

        return new ImportRecord(row, fields, problem);
    }

    private static string? DecodeString(ReadOnlySpan<byte> bytes, ref int position)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[position..]);
        position += 4;
        if (length < 0)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(bytes.Slice(position, length));
        position += length;
        return text;
    }
}
