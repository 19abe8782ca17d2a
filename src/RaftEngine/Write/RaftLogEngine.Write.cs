namespace ManagedKv.RaftEngine;

// The write path: queue, group, one gather write, optional fsync, apply to the index (FORMAT.md, "Batch").
public sealed partial class RaftLogEngine
{
    [ThreadStatic]
    private static Writer? t_writer;

    // Leader-only: the gather list of the group being written.
    private readonly List<ReadOnlyMemory<byte>> _segments = [];

    // Set once by the leader whose write or sync failed; read by every later leader.
    private volatile Exception? _stickyError;

    private long _bytesWritten;
    private long _rewriteBytes;

    /// <summary>Bytes appended to log files since open: batches and purge rewrites.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    /// <summary>Bytes of those that purge wrote to move live data out of old files.</summary>
    public long RewriteBytes => Interlocked.Read(ref _rewriteBytes);

    /// <summary>
    /// Writes <paramref name="batch"/> atomically and applies it; returns the bytes it took in the log. The batch is
    /// in the operating system when this returns; with <paramref name="sync"/> it is also on the device. Concurrent
    /// callers share one write and one fsync. An empty batch writes nothing and returns 0.
    /// </summary>
    public long Write(LogBatch batch, bool sync)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ThrowIfDisposed();
        if (batch.IsEmpty)
        {
            return 0;
        }
        batch.Finish(_options.BatchCompressionThreshold);
        Writer writer = t_writer ??= new Writer();
        writer.Batch = batch;
        writer.Sync = sync;
        writer.Exclusive = false;
        if (_queue.Join(writer))
        {
            LeadGroup(writer);
        }
        writer.Batch = null;
        Exception? error = writer.Error;
        if (error != null)
        {
            writer.Error = null;
            // The leader shares one exception object with its whole group: each caller throws its own wrapper.
            if (error is ObjectDisposedException)
            {
                ThrowHelper.ThrowObjectDisposed();
            }
            if (error is InvalidOperationException)
            {
                throw new InvalidOperationException(error.Message, error);
            }
            throw new IOException($"Write to the Raft log in '{_directory}' failed: {error.Message}", error);
        }
        return batch.EncodedLength;
    }

    // Writes the group led by `leader`, then hands leadership on.
    private void LeadGroup(Writer leader)
    {
        Writer last = _queue.CollectGroup(leader, _options.MaxWriteGroupBytes);
        try
        {
            ThrowIfUnwritable();
            long total = 0;
            bool sync = false;
            for (Writer w = leader; ; w = w.Next!)
            {
                total += w.Batch!.EncodedLength;
                sync |= w.Sync;
                if (w == last)
                {
                    break;
                }
            }
            _pipe.PrepareAppend(total);
            ulong seq = _pipe.ActiveSeq;
            long offset = _pipe.WriteOffset;
            _segments.Clear();
            for (Writer w = leader; ; w = w.Next!)
            {
                LogBatch batch = w.Batch!;
                batch.SealHeader(seq);
                w.BatchOffset = offset;
                offset += batch.EncodedLength;
                _segments.Add(batch.HeadMemory);
                ReadOnlyMemory<byte> data = batch.DataMemory;
                if (!data.IsEmpty)
                {
                    _segments.Add(data);
                }
                if (w == last)
                {
                    break;
                }
            }
            AppendSegments(total, sync);
            for (Writer w = leader; ; w = w.Next!)
            {
                Apply(seq, w.BatchOffset, w.Batch!);
                if (w == last)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            for (Writer w = leader; ; w = w.Next!)
            {
                w.Error = e;
                if (w == last)
                {
                    break;
                }
            }
        }
        finally
        {
            _segments.Clear();
            _queue.Complete(leader, last);
        }
    }

    // Leader only. Writes _segments at the write offset; a failure makes the engine refuse further writes.
    private void AppendSegments(long total, bool sync)
    {
        try
        {
            _pipe.Append(_segments, total, sync);
            if (sync)
            {
                _pipe.Sync();
            }
        }
        catch (Exception e)
        {
            _stickyError = e;
            throw;
        }
        Interlocked.Add(ref _bytesWritten, total);
    }

    // Leader only. Applies a written batch to the index.
    private void Apply(ulong seq, long batchOffset, LogBatch batch)
    {
        string? error = _index.ApplyBatch((uint)seq, batchOffset + BatchFormat.HeaderSize + batch.ItemsLength, batch.Items);
        if (error != null)
        {
            var bug = new InvalidOperationException($"A batch written at file {seq} offset {batchOffset} does not decode: {error}.");
            _stickyError = bug;
            throw bug;
        }
    }

    // Leader only. Writes one batch outside any group (purge rewrites).
    private void AppendAsLeader(LogBatch batch)
    {
        batch.Finish(_options.BatchCompressionThreshold);
        _pipe.PrepareAppend(batch.EncodedLength);
        ulong seq = _pipe.ActiveSeq;
        long offset = _pipe.WriteOffset;
        batch.SealHeader(seq);
        _segments.Clear();
        _segments.Add(batch.HeadMemory);
        if (!batch.DataMemory.IsEmpty)
        {
            _segments.Add(batch.DataMemory);
        }
        try
        {
            // Synced by purge before it deletes the old files: written as a group about to be synced (a direct write
            // when it can be; never a copy through the mapping, whose pre-faulting would keep direct writes out of
            // the active file), with the one sync left to purge.
            _pipe.Append(_segments, batch.EncodedLength, syncNext: true);
            Interlocked.Add(ref _bytesWritten, batch.EncodedLength);
        }
        catch (Exception e)
        {
            _stickyError = e;
            throw;
        }
        finally
        {
            _segments.Clear();
        }
        Interlocked.Add(ref _rewriteBytes, batch.EncodedLength);
        Apply(seq, offset, batch);
    }

    private void ThrowIfUnwritable()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            ThrowHelper.ThrowObjectDisposed();
        }
        Exception? sticky = _stickyError;
        if (sticky != null)
        {
            throw new IOException($"The Raft log in '{_directory}' refuses writes after an earlier write failure; reopen it.", sticky);
        }
    }
}
