using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailMesh.Engagement.Tracking;

/// <summary>What became of a hit offered to the spill journal.</summary>
public enum SpillOutcome
{
    /// <summary>Written to the journal file (in the OS page cache; on disk within <see cref="TrackingListenerOptions.SpillSyncInterval"/>).</summary>
    Written,

    /// <summary>Refused: the journal holds <see cref="TrackingListenerOptions.SpillLimitBytes"/> already.</summary>
    Full,

    /// <summary>Refused: the journal's disk failed (or the journal is closed); retried after <see cref="TrackingListenerOptions.SpillRetryAfter"/>.</summary>
    Failed,
}

/// <summary>The durable overflow of <see cref="TrackingHitQueue"/>: when the memory queue is full, hits are appended to an
/// append-only journal of segment files (<c>&lt;seq&gt;.spill</c>, framed records with a CRC-32C, see
/// <see cref="SpillRecord"/>) that the writer reads after the memory queue. Appends are grouped: the requests that arrive
/// while one write is under way go out in the next single write, and each request answers once its record is written
/// (in the page cache: a crash of the process loses none); the file is fsync'd at most every
/// <see cref="TrackingListenerOptions.SpillSyncInterval"/>, at each segment roll and at close. The read position is a
/// checksummed cursor file, fsync'd after each batch the writer stored, so a restart replays exactly what was not
/// stored yet. Segments are never appended to after a restart: a torn tail left by a crash stays the end of its segment,
/// where the opening scan finds it, logs it and skips it.</summary>
public sealed partial class TrackingSpill : IAsyncDisposable
{
    private const string Extension = ".spill";

    private readonly string _directory;
    private readonly long _limit;
    private readonly long _segmentBytes;
    private readonly TimeSpan _syncInterval;
    private readonly TimeSpan _retryAfter;
    private readonly ILogger<TrackingSpill> _logger;
    private readonly Meter _meter = new(TrackingHitQueue.MeterName);
    private readonly Counter<long> _corrupt;

    private readonly object _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private ArrayBufferWriter<byte> _pending = new(64 * 1024);
    private ArrayBufferWriter<byte> _spare = new(64 * 1024);
    private TaskCompletionSource<SpillOutcome>? _pendingWritten;
    private int _pendingHits;
    private int _writingHits;
    private long _writingBytes;
    private TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _open;
    private bool _closing;
    private long _failedAt;
    private bool _failed;
    private long _bytes;
    private long _hits;

    // Segments: the closed ones with the length of their whole records, and the one being appended to (-1: none yet).
    private readonly SortedDictionary<long, long> _closed = [];
    private long _activeSequence = -1;
    private long _activeLength;
    private long _nextSequence;

    // The flusher's own.
    private FileStream? _active;
    private long _lastSync;
    private bool _unsynced;
    private Task? _flusher;

    /// <summary>The journal in <see cref="TrackingListenerOptions.SpillDirectory"/>; opened by <see cref="Open"/>.</summary>
    public TrackingSpill(IOptions<TrackingListenerOptions> options, ILogger<TrackingSpill> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _directory = o.SpillDirectory ?? throw new InvalidOperationException("Tracking:SpillDirectory is not set; set MAILMESH__TRACKING__SPILLDIRECTORY.");
        _limit = o.SpillLimitBytes;
        _segmentBytes = o.SpillSegmentBytes;
        _syncInterval = o.SpillSyncInterval;
        _retryAfter = o.SpillRetryAfter;
        _logger = logger;
        _corrupt = _meter.CreateCounter<long>("mailmesh.tracking.spill.corrupt", "By", "Bytes of the spill journal skipped as torn or corrupt.");
        _meter.CreateObservableGauge("mailmesh.tracking.spill.depth", () => Hits, "{hit}", "Hits in the spill journal not yet stored by the writer.");
        _meter.CreateObservableGauge("mailmesh.tracking.spill.bytes", () => Bytes, "By", "Bytes of those hits.");
    }

    /// <summary>Hits in the journal not yet read and stored.</summary>
    public long Hits
    {
        get
        {
            lock (_gate)
            {
                return _hits;
            }
        }
    }

    /// <summary>Their bytes.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>How long a refused client should wait before it retries.</summary>
    public TimeSpan RetryAfter => _retryAfter;

    /// <summary>Completes after the next write to the journal (the writer waits on it with the memory queue).</summary>
    public Task NextWrite
    {
        get
        {
            lock (_gate)
            {
                return _written.Task;
            }
        }
    }

    /// <summary>Opens the journal (once): finds the segments a previous run left, deletes those the cursor says were
    /// stored, scans the others (a torn or corrupt tail is logged and skipped) and counts what is left to read.</summary>
    public void Open()
    {
        lock (_gate)
        {
            if (_open)
            {
                return;
            }

            Directory.CreateDirectory(_directory);
            var (cursorSequence, cursorOffset) = ReadCursor();
            var segments = Directory.EnumerateFiles(_directory, "*" + Extension)
                .Select(path => (Path: path, Sequence: long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : -1))
                .Where(s => s.Sequence >= 0)
                .OrderBy(s => s.Sequence)
                .ToList();
            var readSequence = segments.Count > 0 ? Math.Max(segments[0].Sequence, cursorSequence) : cursorSequence;
            var readOffset = segments.Count > 0 && segments[0].Sequence > cursorSequence ? Magic.Length : Math.Max(cursorOffset, Magic.Length);
            var closed = new List<(long Sequence, long Length)>();
            long hits = 0;
            long bytes = 0;
            foreach (var (path, sequence) in segments)
            {
                if (sequence < readSequence)
                {
                    File.Delete(path);
                    continue;
                }

                var from = sequence == readSequence ? readOffset : Magic.Length;
                var (valid, count) = Scan(path, sequence, from);
                closed.Add((sequence, valid));
                hits += count;
                bytes += Math.Max(0, valid - from);
            }

            // Assigned once everything was read: a failed opening leaves the journal closed and is tried again.
            foreach (var (sequence, length) in closed)
            {
                _closed[sequence] = length;
            }

            (_readSequence, _readOffset, _hits, _bytes) = (readSequence, readOffset, hits, bytes);
            _nextSequence = Math.Max(readSequence, segments.Count > 0 ? segments[^1].Sequence : 0) + 1;
            if (_hits > 0)
            {
                TrackingLog.SpillReplaying(_logger, _hits, _bytes, _directory);
            }

            _open = true;
            _flusher = Task.Run(FlushLoopAsync);
        }
    }

    /// <summary>Appends <paramref name="hit"/>: completes when it is written (or at once when it is refused).</summary>
    public ValueTask<SpillOutcome> AppendAsync(HitRecord hit)
    {
        ArgumentNullException.ThrowIfNull(hit);
        try
        {
            Open();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TrackingLog.SpillFailed(_logger, e, _directory, _retryAfter);
            return ValueTask.FromResult(SpillOutcome.Failed);
        }

        var size = SpillRecord.SizeOf(hit);
        TaskCompletionSource<SpillOutcome> written;
        var wake = false;
        lock (_gate)
        {
            if (_closing || (_failed && Stopwatch.GetElapsedTime(_failedAt) < _retryAfter))
            {
                return ValueTask.FromResult(SpillOutcome.Failed);
            }

            if (_bytes + size > _limit)
            {
                return ValueTask.FromResult(SpillOutcome.Full);
            }

            SpillRecord.Write(hit, _pending.GetSpan(size));
            _pending.Advance(size);
            _pendingHits++;
            _bytes += size;
            _hits++;
            if (_pendingWritten is null)
            {
                _pendingWritten = new TaskCompletionSource<SpillOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
                wake = true;
            }

            written = _pendingWritten;
        }

        if (wake)
        {
            _wake.Release();
        }

        return new ValueTask<SpillOutcome>(written.Task);
    }

    /// <summary>Takes no more hits, writes and fsyncs what is pending and closes the files; when every hit was read and
    /// stored the journal's files are deleted.</summary>
    public async ValueTask DisposeAsync()
    {
        Task? flusher;
        lock (_gate)
        {
            _closing = true;
            flusher = _flusher;
        }

        _wake.Release();
        if (flusher is not null)
        {
            await flusher.ConfigureAwait(false);
        }

        _segment?.Dispose();
        _segment = null;
        _cursor?.Dispose();
        _cursor = null;
        if (_open && Hits == 0)
        {
            foreach (var path in Directory.EnumerateFiles(_directory, "*" + Extension))
            {
                File.Delete(path);
            }

            File.Delete(CursorPath);
        }

        _meter.Dispose();
    }

    private async Task FlushLoopAsync()
    {
        while (true)
        {
            // Written but not fsync'd: wake for the sync when the interval is up, even if nothing more comes.
            var due = _syncInterval - Stopwatch.GetElapsedTime(_lastSync);
            var woken = _unsynced
                ? await _wake.WaitAsync(due > TimeSpan.Zero ? due : TimeSpan.Zero).ConfigureAwait(false)
                : await _wake.WaitAsync(Timeout.Infinite).ConfigureAwait(false);
            ArrayBufferWriter<byte> batch;
            TaskCompletionSource<SpillOutcome>? done;
            int hits;
            bool closing;
            lock (_gate)
            {
                batch = _pending;
                _pending = _spare;
                done = _pendingWritten;
                hits = _pendingHits;
                _pendingWritten = null;
                _pendingHits = 0;
                (_writingHits, _writingBytes) = (hits, batch.WrittenCount);
                closing = _closing;
            }

            if (done is not null)
            {
                var ok = Write(batch.WrittenSpan);
                lock (_gate)
                {
                    if (!ok)
                    {
                        _bytes -= batch.WrittenCount;
                        _hits -= hits;
                    }

                    (_writingHits, _writingBytes) = (0, 0);
                }

                batch.Clear();
                done.SetResult(ok ? SpillOutcome.Written : SpillOutcome.Failed);
                TaskCompletionSource next;
                lock (_gate)
                {
                    next = _written;
                    _written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                next.SetResult();
            }

            _spare = batch;
            if (closing || (!woken && _unsynced))
            {
                Sync();
            }

            if (closing)
            {
                _active?.Dispose();
                _active = null;
                return;
            }
        }
    }

    /// <summary>Writes whole records to the active segment (rolling to a new one when it is full); false when the disk
    /// failed, after which appends are refused for <see cref="TrackingListenerOptions.SpillRetryAfter"/>.</summary>
    private bool Write(ReadOnlySpan<byte> records)
    {
        try
        {
            if (_active is null || (_activeLength + records.Length > _segmentBytes && _activeLength > Magic.Length))
            {
                Roll();
            }

            _active!.Write(records);
            lock (_gate)
            {
                _activeLength += records.Length;
                _failed = false;
            }

            _unsynced = true;
            if (Stopwatch.GetElapsedTime(_lastSync) >= _syncInterval)
            {
                Sync();
            }

            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            TrackingLog.SpillFailed(_logger, e, _directory, _retryAfter);
            // What reached the file past the last whole record is a torn tail: the segment ends before it.
            CloseActive();
            lock (_gate)
            {
                _failed = true;
                _failedAt = Stopwatch.GetTimestamp();
            }

            return false;
        }
    }

    private void Roll()
    {
        CloseActive();
        long sequence;
        lock (_gate)
        {
            sequence = _nextSequence++;
        }

        var file = new FileStream(SegmentPath(sequence), FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0);
        try
        {
            file.Write(Magic);
            file.Flush(flushToDisk: true);
        }
        catch
        {
            file.Dispose();
            throw;
        }

        _active = file;
        _lastSync = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            _activeSequence = sequence;
            _activeLength = Magic.Length;
        }
    }

    private void CloseActive()
    {
        if (_active is null)
        {
            return;
        }

        try
        {
            _active.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // Closed with the length of its whole records either way; the scan at the next start checks the rest.
        }

        _active.Dispose();
        _active = null;
        _unsynced = false;
        lock (_gate)
        {
            _closed[_activeSequence] = _activeLength;
            _activeSequence = -1;
        }
    }

    private void Sync()
    {
        if (_active is null || !_unsynced)
        {
            return;
        }

        try
        {
            _active.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            TrackingLog.SpillFailed(_logger, e, _directory, _retryAfter);
        }

        _lastSync = Stopwatch.GetTimestamp();
        _unsynced = false;
    }

    private string SegmentPath(long sequence) => Path.Combine(_directory, sequence.ToString("D12", CultureInfo.InvariantCulture) + Extension);

    private static ReadOnlySpan<byte> Magic => "MMSPILL1"u8;
}
