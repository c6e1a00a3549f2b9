using MailMesh.Blobs.Internal;
using Microsoft.Win32.SafeHandles;

namespace MailMesh.Blobs.Local;

/// <summary>Appends small blobs to pack files under <c>&lt;root&gt;/packs/</c>. Each store instance writes its own pack
/// (a new file, never one another instance may be appending to); a put reserves its byte range under a lock and
/// writes it with one positioned write outside it, so puts in flight write in parallel. A pack is closed once it
/// reaches <see cref="LocalBlobStoreOptions.PackFileBytes"/>. Nothing is synced per put: <see cref="Flush"/> syncs
/// every pack written since the previous flush (and the directory entry of each new pack) in one go.</summary>
internal sealed class BlobPackWriter(string directory, long packFileBytes, TimeProvider time) : IDisposable
{
    /// <summary>File name extension of pack files.</summary>
    public const string Extension = ".pack";

    private readonly Lock _lock = new();
    private readonly List<PackFile> _unflushed = [];
    private PackFile? _current;
    private bool _disposed;

    /// <summary>Pack file names this writer is still appending to or has not synced (not to be compacted or removed).</summary>
    public HashSet<string> OpenPacks()
    {
        lock (_lock)
        {
            var open = _unflushed.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            if (_current is not null)
            {
                open.Add(_current.Name);
            }

            return open;
        }
    }

    public static string PathOf(string directory, string pack) => Path.Combine(directory, pack);

    /// <summary>Writes <paramref name="data"/> to the current pack; returns the pack's name and the offset written at.</summary>
    public (string Pack, long Offset) Append(ReadOnlySpan<byte> data)
    {
        PackFile pack;
        long offset;
        lock (_lock)
        {
            (pack, offset) = Reserve(data.Length);
        }

        try
        {
            RandomAccess.Write(pack.Handle, data, offset);
        }
        finally
        {
            Release(pack);
        }

        return (pack.Name, offset);
    }

    /// <summary>Writes several blobs back to back, each run that lands in one pack with one gathering write (a new pack
    /// is started when the current one is full, as for <see cref="Append"/>); returns each blob's pack and offset.</summary>
    public (string Pack, long Offset)[] AppendMany(IReadOnlyList<ReadOnlyMemory<byte>> data)
    {
        var placed = new (string Pack, long Offset)[data.Count];
        var runs = new List<(PackFile Pack, long Offset, int First, int Count)>(1);
        lock (_lock)
        {
            for (var i = 0; i < data.Count; i++)
            {
                var (pack, offset) = Reserve(data[i].Length);
                placed[i] = (pack.Name, offset);
                if (runs.Count > 0 && ReferenceEquals(runs[^1].Pack, pack))
                {
                    // Reserve counted a writer per blob; a run holds one.
                    pack.Writers--;
                    runs[^1] = runs[^1] with { Count = runs[^1].Count + 1 };
                }
                else
                {
                    runs.Add((pack, offset, i, 1));
                }
            }
        }

        var written = 0;
        try
        {
            foreach (var run in runs)
            {
                var buffers = run.First == 0 && run.Count == data.Count ? data : Slice(data, run.First, run.Count);
                RandomAccess.Write(run.Pack.Handle, buffers, run.Offset);
                Release(run.Pack);
                written++;
            }
        }
        finally
        {
            for (var i = written; i < runs.Count; i++)
            {
                Release(runs[i].Pack);
            }
        }

        return placed;
    }

    private static ReadOnlyMemory<byte>[] Slice(IReadOnlyList<ReadOnlyMemory<byte>> data, int first, int count)
    {
        var slice = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < count; i++)
        {
            slice[i] = data[first + i];
        }

        return slice;
    }

    /// <summary>Reserves <paramref name="length"/> bytes at the end of the current pack (starting a new pack when it
    /// would grow past its size) and counts a writer on it. Call under the lock.</summary>
    private (PackFile Pack, long Offset) Reserve(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_current is null || (_current.End > 0 && _current.End + length > packFileBytes))
        {
            if (_current is not null && !_unflushed.Contains(_current))
            {
                // Synced and idle (a write to it would have put it back on the list): nothing more goes in.
                _current.Handle.Dispose();
            }

            _current = NewPack();
            _unflushed.Add(_current);
        }

        var pack = _current;
        var offset = pack.End;
        pack.End += length;
        pack.Writers++;
        if (!_unflushed.Contains(pack))
        {
            _unflushed.Add(pack);
        }

        return (pack, offset);
    }

    private void Release(PackFile pack)
    {
        lock (_lock)
        {
            pack.Writers--;
        }
    }

    /// <summary>Syncs every pack written since the last flush to disk. Covers every append that completed before the
    /// call; appends racing with it are covered by the next flush.</summary>
    public void Flush()
    {
        List<(PackFile Pack, long End)> toSync;
        lock (_lock)
        {
            toSync = _unflushed.Select(p => (p, p.End)).ToList();
        }

        foreach (var (pack, _) in toSync)
        {
            RandomAccess.FlushToDisk(pack.Handle);
            if (!pack.DirectoryEntrySynced)
            {
                DirectorySync.Sync(directory);
                pack.DirectoryEntrySynced = true;
            }
        }

        lock (_lock)
        {
            foreach (var (pack, end) in toSync)
            {
                if (pack.End == end && pack.Writers == 0)
                {
                    _unflushed.Remove(pack);
                    if (!ReferenceEquals(pack, _current))
                    {
                        pack.Handle.Dispose();
                    }
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var pack in _unflushed)
            {
                pack.Handle.Dispose();
            }

            _current?.Handle.Dispose();
            _unflushed.Clear();
            _current = null;
        }
    }

    private PackFile NewPack()
    {
        // Time first, so packs list in the order they were started; the random part keeps instances apart.
        var name = $"{time.GetUtcNow().UtcTicks:x16}-{Random.Shared.Next():x8}{Extension}";
        var handle = File.OpenHandle(PathOf(directory, name), FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        return new PackFile(name, handle);
    }

    private sealed class PackFile(string name, SafeFileHandle handle)
    {
        public string Name { get; } = name;

        public SafeFileHandle Handle { get; } = handle;

        public long End { get; set; }

        public int Writers { get; set; }

        public bool DirectoryEntrySynced { get; set; }
    }
}
