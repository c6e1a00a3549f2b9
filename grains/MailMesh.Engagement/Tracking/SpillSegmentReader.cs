using Microsoft.Win32.SafeHandles;

namespace MailMesh.Engagement.Tracking;

/// <summary>Reads the records of one spill segment through a block buffer (one read call per block, not per record).</summary>
internal sealed class SpillSegmentReader : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly byte[] _buffer = new byte[256 * 1024];
    private long _start;
    private int _length;

    public SpillSegmentReader(string path, long sequence)
    {
        Path = path;
        Sequence = sequence;
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
    }

    /// <summary>The segment's file.</summary>
    public string Path { get; }

    /// <summary>The segment's number.</summary>
    public long Sequence { get; }

    /// <summary>The file's length now.</summary>
    public long FileLength => RandomAccess.GetLength(_file);

    /// <summary>Reads the record at <paramref name="offset"/>, which ends at or before <paramref name="limit"/>.</summary>
    /// <returns>Its framed size; 0 when the bytes up to <paramref name="limit"/> end inside it; -1 when it is corrupt.</returns>
    public int Next(long offset, long limit, out HitRecord? hit)
    {
        var size = SpillRecord.TryRead(Window(offset, limit), out hit);
        if (size != 0)
        {
            return size;
        }

        Fill(offset, limit);
        return SpillRecord.TryRead(Window(offset, limit), out hit);
    }

    /// <summary>Reads the 8-byte magic at the start of the file; false when it is shorter or different.</summary>
    public bool HasMagic(ReadOnlySpan<byte> magic)
    {
        Span<byte> head = stackalloc byte[magic.Length];
        return RandomAccess.Read(_file, head, 0) == magic.Length && head.SequenceEqual(magic);
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private ReadOnlySpan<byte> Window(long offset, long limit)
    {
        var end = Math.Min(_start + _length, limit);
        return offset >= _start && offset < end ? _buffer.AsSpan((int)(offset - _start), (int)(end - offset)) : [];
    }

    private void Fill(long offset, long limit)
    {
        var want = (int)Math.Min(_buffer.Length, limit - offset);
        _start = offset;
        _length = 0;
        while (_length < want)
        {
            var read = RandomAccess.Read(_file, _buffer.AsSpan(_length, want - _length), offset + _length);
            if (read == 0)
            {
                break;
            }

            _length += read;
        }
    }
}
