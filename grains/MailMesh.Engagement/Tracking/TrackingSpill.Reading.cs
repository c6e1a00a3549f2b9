using System.Buffers.Binary;

namespace MailMesh.Engagement.Tracking;

/// <summary>The reading side of the journal: used by the writer only (one reader).</summary>
public sealed partial class TrackingSpill
{
    private const int CursorSize = 20;

    // The next record to read, and what was read since the last commit.
    private long _readSequence;
    private long _readOffset;
    private long _uncommittedBytes;
    private long _uncommittedHits;
    private SpillSegmentReader? _segment;
    private FileStream? _cursor;

    private string CursorPath => Path.Combine(_directory, "cursor");

    /// <summary>Reads up to <paramref name="max"/> hits in journal order into <paramref name="into"/>: what earlier runs left
    /// first, then what this run wrote. They count as stored once <see cref="Commit"/> is called.</summary>
    /// <returns>How many it added.</returns>
    public int Read(List<HitRecord> into, int max)
    {
        ArgumentNullException.ThrowIfNull(into);
        var read = 0;
        while (read < max)
        {
            long limit;
            bool closed;
            lock (_gate)
            {
                if (_closed.TryGetValue(_readSequence, out var length))
                {
                    (limit, closed) = (length, true);
                }
                else if (_readSequence == _activeSequence)
                {
                    (limit, closed) = (_activeLength, false);
                    if (_readOffset >= limit)
                    {
                        Reconcile();
                    }
                }
                else if (_closed.Keys.FirstOrDefault(s => s > _readSequence, -1) is var later && later >= 0)
                {
                    // A segment that failed before its first record was never closed with a length: go on to the next.
                    (limit, closed) = (Magic.Length, true);
                }
                else if (_activeSequence > _readSequence)
                {
                    (limit, closed) = (Magic.Length, true);
                }
                else
                {
                    Reconcile();
                    break;
                }
            }

            if (_readOffset >= limit)
            {
                if (!closed)
                {
                    break;
                }

                NextSegment();
                continue;
            }

            var segment = SegmentReader();
            var size = segment.Next(_readOffset, limit, out var hit);
            if (size <= 0)
            {
                // The opening scan (or this process's own write) checked these bytes: the disk changed them since.
                TrackingLog.SpillCorrupt(_logger, segment.Path, _readOffset, limit - _readOffset);
                _corrupt.Add(limit - _readOffset);
                _uncommittedBytes += limit - _readOffset;
                _readOffset = limit;
                continue;
            }

            into.Add(hit!);
            _readOffset += size;
            _uncommittedBytes += size;
            _uncommittedHits++;
            read++;
        }

        return read;
    }

    /// <summary>Records that the hits read so far are stored: writes and fsyncs the cursor, then deletes the segments read
    /// to their end. A crash before the cursor is on disk hands those hits over again (the hit store skips ids it has, the
    /// engagement grain the last 1,024 it counted).</summary>
    public void Commit()
    {
        if (_uncommittedBytes == 0 && _uncommittedHits == 0)
        {
            return;
        }

        try
        {
            WriteCursor(_readSequence, _readOffset);
        }
        catch (IOException e)
        {
            TrackingLog.SpillFailed(_logger, e, _directory, _retryAfter);
        }

        List<long> done;
        lock (_gate)
        {
            _bytes = Math.Max(0, _bytes - _uncommittedBytes);
            _hits = Math.Max(0, _hits - _uncommittedHits);
            done = [.. _closed.Keys.Where(s => s < _readSequence)];
            foreach (var sequence in done)
            {
                _closed.Remove(sequence);
            }
        }

        _uncommittedBytes = 0;
        _uncommittedHits = 0;
        foreach (var sequence in done)
        {
            try
            {
                File.Delete(SegmentPath(sequence));
            }
            catch (IOException e)
            {
                TrackingLog.SpillFailed(_logger, e, _directory, _retryAfter);
            }
        }
    }

    /// <summary>Called under the lock when every whole record written so far was read: what is unread is then exactly what
    /// was read but not committed and what is still on its way to the file. Setting the counts to that keeps bytes skipped
    /// as corrupt from leaving hits counted (and <see cref="Hits"/> above 0) for ever.</summary>
    private void Reconcile()
    {
        _hits = _uncommittedHits + _pendingHits + _writingHits;
        _bytes = _uncommittedBytes + _pending.WrittenCount + _writingBytes;
    }

    private void NextSegment()
    {
        lock (_gate)
        {
            var next = _closed.Keys.FirstOrDefault(s => s > _readSequence, -1);
            _readSequence = next >= 0 ? next : Math.Max(_readSequence + 1, _activeSequence);
        }

        _readOffset = Magic.Length;
        _segment?.Dispose();
        _segment = null;
    }

    private SpillSegmentReader SegmentReader()
    {
        if (_segment?.Sequence != _readSequence)
        {
            _segment?.Dispose();
            _segment = new SpillSegmentReader(SegmentPath(_readSequence), _readSequence);
        }

        return _segment;
    }

    /// <summary>Checks a segment a previous run left: the length of its whole, intact records and how many of them start at
    /// or after <paramref name="from"/>. Anything after the last intact record (a write cut by a crash, a bad checksum) is
    /// logged and never read.</summary>
    private (long Valid, long Hits) Scan(string path, long sequence, long from)
    {
        using var segment = new SpillSegmentReader(path, sequence);
        var length = segment.FileLength;
        if (!segment.HasMagic(Magic))
        {
            TrackingLog.SpillTornTail(_logger, path, 0, length);
            _corrupt.Add(length);
            return (Magic.Length, 0);
        }

        long offset = Magic.Length;
        long hits = 0;
        while (offset < length)
        {
            var size = segment.Next(offset, length, out _);
            if (size <= 0)
            {
                TrackingLog.SpillTornTail(_logger, path, offset, length - offset);
                _corrupt.Add(length - offset);
                break;
            }

            if (offset >= from)
            {
                hits++;
            }

            offset += size;
        }

        return (offset, hits);
    }

    private (long Sequence, long Offset) ReadCursor()
    {
        if (!File.Exists(CursorPath))
        {
            return (0, 0);
        }

        var bytes = File.ReadAllBytes(CursorPath);
        if (bytes.Length != CursorSize || SpillRecord.Checksum(bytes.AsSpan(0, 16)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)))
        {
            // Everything left is read again: the hit store skips the ids it has.
            TrackingLog.SpillCursorBad(_logger, CursorPath);
            return (0, 0);
        }

        return (BinaryPrimitives.ReadInt64LittleEndian(bytes), BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)));
    }

    private void WriteCursor(long sequence, long offset)
    {
        Span<byte> bytes = stackalloc byte[CursorSize];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, sequence);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], offset);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[16..], SpillRecord.Checksum(bytes[..16]));
        _cursor ??= new FileStream(CursorPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 0);
        _cursor.Position = 0;
        _cursor.Write(bytes);
        _cursor.Flush(flushToDisk: true);
    }
}
