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
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_current is null || (_current.End > 0 && _current.End + data.Length > packFileBytes))
            {
                if (_current is not null && !_unflushed.Contains(_current))
                {
                    // Synced and idle (a write to it would have put it back on the list): nothing more goes in.
                    _current.Handle.Dispose();
                }

                _current = NewPack();
                _unflushed.Add(_current);
            }

            pack = _current;
            offset = pack.End;
            pack.End += data.Length;
            pack.Writers++;
            if (!_unflushed.Contains(pack))
            {
                _unflushed.Add(pack);
            }
        }

        try
        {
            RandomAccess.Write(pack.Handle, data, offset);
        }
        finally
        {
            lock (_lock)
            {
                pack.Writers--;
            }
        }

        return (pack.Name, offset);
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
