using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.IO.Pipelines;

namespace MailMesh.Mime;

/// <summary>
/// The bytes a message was parsed from. Entities keep offsets into it instead of copies;
/// large inputs live in a memory-mapped temporary file rather than on the managed heap.
/// </summary>
public sealed class MimeSource : IDisposable
{
    private readonly IDisposable? _owner;

    /// <summary>Wraps bytes already in memory (no copy).</summary>
    public MimeSource(ReadOnlyMemory<byte> memory)
    {
        Memory = memory;
    }

    private MimeSource(ReadOnlyMemory<byte> memory, IDisposable owner)
    {
        Memory = memory;
        _owner = owner;
    }

    /// <summary>The source bytes.</summary>
    public ReadOnlyMemory<byte> Memory { get; }

    /// <summary>Length in bytes.</summary>
    public int Length => Memory.Length;

    /// <summary>True when the bytes live in a memory-mapped temporary file.</summary>
    public bool IsSpilled => _owner is not null;

    /// <summary>Reads a whole stream; past <paramref name="spillThreshold"/> bytes it spills to a temporary file.</summary>
    public static async Task<MimeSource> LoadAsync(Stream stream, long spillThreshold, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream is MemoryStream ms && ms.TryGetBuffer(out var segment))
        {
            var rest = segment.AsMemory((int)ms.Position);
            ms.Position = ms.Length;
            return new MimeSource(rest);
        }

        var buffer = new ArrayBufferWriter<byte>(stream.CanSeek ? (int)Math.Clamp(stream.Length - stream.Position + 1, 1, spillThreshold + 1) : 64 * 1024);
        while (true)
        {
            var span = buffer.GetMemory(64 * 1024);
            var read = await stream.ReadAsync(span, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return new MimeSource(buffer.WrittenMemory);
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > spillThreshold)
            {
                return await SpillAsync(buffer.WrittenMemory, stream, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads a whole stream synchronously; past <paramref name="spillThreshold"/> bytes it spills to a temporary file.</summary>
    public static MimeSource Load(Stream stream, long spillThreshold)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream is MemoryStream ms && ms.TryGetBuffer(out var segment))
        {
            var rest = segment.AsMemory((int)ms.Position);
            ms.Position = ms.Length;
            return new MimeSource(rest);
        }

        var buffer = new ArrayBufferWriter<byte>(stream.CanSeek ? (int)Math.Clamp(stream.Length - stream.Position + 1, 1, spillThreshold + 1) : 64 * 1024);
        while (true)
        {
            var span = buffer.GetSpan(64 * 1024);
            var read = stream.Read(span);
            if (read == 0)
            {
                return new MimeSource(buffer.WrittenMemory);
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > spillThreshold)
            {
                return SpillAsync(buffer.WrittenMemory, stream, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }
        }
    }

    /// <summary>Reads a pipe to its end; past <paramref name="spillThreshold"/> bytes it spills to a temporary file.</summary>
    public static async Task<MimeSource> LoadAsync(PipeReader reader, long spillThreshold, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        FileStream? spill = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    if (spill is not null)
                    {
                        await spill.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        buffer.Write(segment.Span);
                        if (buffer.WrittenCount > spillThreshold)
                        {
                            spill = CreateTempFile();
                            await spill.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                            buffer.Clear();
                        }
                    }
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await reader.CompleteAsync().ConfigureAwait(false);
            if (spill is null)
            {
                return new MimeSource(buffer.WrittenMemory);
            }

            var mapped = Map(spill);
            spill = null;
            return mapped;
        }
        finally
        {
            if (spill is not null)
            {
                await spill.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async ValueTask<MimeSource> SpillAsync(ReadOnlyMemory<byte> head, Stream rest, CancellationToken cancellationToken)
    {
        var file = CreateTempFile();
        try
        {
            await file.WriteAsync(head, cancellationToken).ConfigureAwait(false);
            await rest.CopyToAsync(file, 81920, cancellationToken).ConfigureAwait(false);
            return Map(file);
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static FileStream CreateTempFile() =>
        new(Path.Combine(Path.GetTempPath(), "mailmesh-mime-" + Guid.NewGuid().ToString("N") + ".tmp"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);

    private static MimeSource Map(FileStream file)
    {
        file.Flush();
        var length = file.Length;
        if (length > int.MaxValue)
        {
            file.Dispose();
            throw new MimeFormatException("message larger than 2 GiB is not supported", int.MaxValue);
        }

        if (length == 0)
        {
            file.Dispose();
            return new MimeSource(ReadOnlyMemory<byte>.Empty);
        }

        var mapping = new MappedMemory(file, (int)length);
        return new MimeSource(mapping.Memory, mapping);
    }

    /// <summary>Releases the temporary file, if any. Entities of a disposed source must not be read.</summary>
    public void Dispose() => _owner?.Dispose();

    private sealed unsafe class MappedMemory : MemoryManager<byte>
    {
        private readonly FileStream _file;
        private readonly MemoryMappedFile _map;
        private readonly MemoryMappedViewAccessor _view;
        private readonly byte* _pointer;
        private readonly int _length;

        public MappedMemory(FileStream file, int length)
        {
            _file = file;
            _length = length;
            _map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            _view = _map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _pointer = p + _view.PointerOffset;
        }

        public override Span<byte> GetSpan() => new(_pointer, _length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
                _view.Dispose();
                _map.Dispose();
                _file.Dispose();
            }
        }
    }
}
