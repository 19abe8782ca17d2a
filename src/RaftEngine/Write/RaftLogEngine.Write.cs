namespace ManagedKv.RaftEngine;

// The write path: queue, group, one gather write, optional fsync, apply to the index (FORMAT.md, "Batch").
public sealed partial class RaftLogEngine
{
    [ThreadStatic]
    private static Writer? t_writer;

    // Leader-only: the gather list of the group being written.
    private readonly List<ReadOnlyMemory<byte>> _segments = [];

    // Leader-only: the batches the group is written as (each a run of consecutive writers' batches), and the headers
    // and concatenated items sections of the runs that merge several batches.
    private readonly List<Run> _runs = [];
    private readonly GrowableBuffer _mergedHeads = new(256);

    // Largest merged batch (the format's limit; lowered by tests to exercise the split).
    private long _maxMergedBatchBytes = BatchFormat.MaxBatchSize;

    private struct Run
    {
        public Writer First;
        public Writer Last;
        public long TotalLength;
        public int HeaderLength;
        public int HeadStart;   // merged runs: where the header starts in _mergedHeads
        public int HeadLength;  // header + items
        public long Offset;
    }

    /// <summary>Tests: the size above which a write group's batches are split into several merged batches.</summary>
    internal long MaxMergedBatchBytes
    {
        get => _maxMergedBatchBytes;
        set => _maxMergedBatchBytes = value;
    }

    // Set once by the leader whose write or sync failed; read by every later leader.
    private volatile Exception? _stickyError;

    private long _bytesWritten;
    private long _rewriteBytes;
    private long _mergedBatches;

    /// <summary>Bytes appended to log files since open: batches and purge rewrites.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    /// <summary>
    /// Batches written since open that merged the batches of several writers of one write group (one header for all).
    /// </summary>
    public long MergedBatches => Interlocked.Read(ref _mergedBatches);

    /// <summary>Bytes of those that purge wrote to move live data out of old files.</summary>
    public long RewriteBytes => Interlocked.Read(ref _rewriteBytes);

    /// <summary>
    /// Writes <paramref name="batch"/> atomically and applies it; returns the bytes it took in the log. The batch is
    /// in the operating system when this returns; with <paramref name="sync"/> it is also on the device. Concurrent
    /// callers share one write and one fsync, and their batches are written as one batch with one header (a batch
    /// that shares the header of an earlier one in its group returns its size less the header). An empty batch
    /// writes nothing and returns 0.
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
        return writer.Written;
    }

    // Writes the group led by `leader`, then hands leadership on.
    private void LeadGroup(Writer leader)
    {
        Writer last = _queue.CollectGroup(leader, _options.MaxWriteGroupBytes);
        try
        {
            WriteGroup(leader, last);
        }
        finally
        {
            _queue.Complete(leader, last);
        }
    }

    // Leader only. Writes the batches of writers leader..last (linked by Next) as one append and applies them; a
    // failure is reported to every writer of the group. A group of several batches is written as merged batches
    // (FORMAT.md, "Batch": one header for all, their items sections concatenated in order, then their data sections
    // in the same order), as few as the batch size limit allows; a batch alone keeps its own header.
    private void WriteGroup(Writer leader, Writer last)
    {
        try
        {
            ThrowIfUnwritable();
            PlanRuns(leader, last);
            long total = 0;
            bool sync = false;
            for (int r = 0; r < _runs.Count; r++)
            {
                total += _runs[r].TotalLength;
            }
            for (Writer w = leader; ; w = w.Next!)
            {
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
            for (int r = 0; r < _runs.Count; r++)
            {
                Run run = _runs[r];
                run.Offset = offset;
                _runs[r] = run;
                offset += run.TotalLength;
                if (run.First == run.Last)
                {
                    run.First.Batch!.SealHeader(seq);
                    _segments.Add(run.First.Batch!.HeadMemory);
                }
                else
                {
                    Interlocked.Increment(ref _mergedBatches);
                    LogBatch.SealHeader(_mergedHeads.Array.AsSpan(run.HeadStart, run.HeadLength), seq);
                    _segments.Add(_mergedHeads.Array.AsMemory(run.HeadStart, run.HeadLength));
                }
                for (Writer w = run.First; ; w = w.Next!)
                {
                    ReadOnlyMemory<byte> data = w.Batch!.DataMemory;
                    if (!data.IsEmpty)
                    {
                        _segments.Add(data);
                    }
                    if (w == run.Last)
                    {
                        break;
                    }
                }
            }
            AppendSegments(total, sync);
            for (int r = 0; r < _runs.Count; r++)
            {
                Run run = _runs[r];
                ReadOnlySpan<byte> items = run.First == run.Last
                    ? run.First.Batch!.Items
                    : _mergedHeads.Array.AsSpan(run.HeadStart + run.HeaderLength, run.HeadLength - run.HeaderLength);
                Apply(seq, run.Offset + run.HeadLength, items);
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
            _runs.Clear();
        }
    }

    // Leader only. Splits the group into runs of consecutive batches, each written as one batch of at most
    // _maxMergedBatchBytes bytes (every batch alone is within the limit), and builds each merged run's header and
    // concatenated items in _mergedHeads. Sets each writer's Written share: the first batch of a run pays the
    // header, the others their items and data (the header they no longer carry is the only difference).
    private void PlanRuns(Writer leader, Writer last)
    {
        _runs.Clear();
        _mergedHeads.Clear();
        Run run = default;
        for (Writer w = leader; ; w = w.Next!)
        {
            LogBatch batch = w.Batch!;
            if (run.First != null && BatchFormat.MaxHeaderSize + run.TotalLength + batch.BodyLength > _maxMergedBatchBytes)
            {
                CloseRun(ref run);
            }
            run.First ??= w;
            run.TotalLength += batch.BodyLength;
            run.Last = w;
            w.Written = batch.BodyLength;
            if (w == last)
            {
                break;
            }
        }
        CloseRun(ref run);
    }

    // Adds the run (TotalLength: the sum of its batches' items and data so far; the header is added here). A run of
    // several batches gets its header lengths and items written into _mergedHeads (FORMAT.md, "Batch").
    private void CloseRun(ref Run run)
    {
        if (run.First == run.Last)
        {
            LogBatch batch = run.First.Batch!;
            run.HeaderLength = batch.HeaderLength;
            run.HeadLength = batch.HeaderLength + batch.ItemsLength;
        }
        else
        {
            int reserved = _mergedHeads.Length;
            _mergedHeads.GetSpan(BatchFormat.MaxHeaderSize);
            _mergedHeads.Advance(BatchFormat.MaxHeaderSize);
            for (Writer w = run.First; ; w = w.Next!)
            {
                _mergedHeads.Write(w.Batch!.Items);
                if (w == run.Last)
                {
                    break;
                }
            }
            int itemsLength = _mergedHeads.Length - reserved - BatchFormat.MaxHeaderSize;
            long dataLength = run.TotalLength - itemsLength;
            run.HeaderLength = LogBatch.HeaderLengthFor(itemsLength, dataLength);
            run.HeadStart = reserved + BatchFormat.MaxHeaderSize - run.HeaderLength;
            run.HeadLength = run.HeaderLength + itemsLength;
            LogBatch.WriteHeaderLengths(_mergedHeads.Array.AsSpan(run.HeadStart, run.HeaderLength), itemsLength, dataLength);
        }
        run.TotalLength += run.HeaderLength;
        run.First.Written += run.HeaderLength;
        _runs.Add(run);
        run = default;
    }

    /// <summary>
    /// Writes <paramref name="batches"/> as one write group, exactly as the leader of a group of that many concurrent
    /// writers would (tests: deterministic groups of several batches); empty batches are left out, as by
    /// <see cref="Write"/>. Throws the group's error.
    /// </summary>
    internal void WriteGroupForTest(IReadOnlyList<LogBatch> batches, bool sync)
    {
        ThrowIfDisposed();
        var exclusive = new Writer { Exclusive = true };
        _queue.Join(exclusive);
        try
        {
            Writer? first = null;
            Writer? previous = null;
            foreach (LogBatch batch in batches)
            {
                if (batch.IsEmpty)
                {
                    // As Write: an empty batch never joins a group.
                    continue;
                }
                batch.Finish(_options.BatchCompressionThreshold);
                var w = new Writer { Batch = batch, Sync = sync };
                if (previous == null)
                {
                    first = w;
                }
                else
                {
                    previous.Next = w;
                }
                previous = w;
            }
            if (first == null)
            {
                return;
            }
            WriteGroup(first, previous!);
            if (first.Error != null)
            {
                throw new IOException($"Write to the Raft log in '{_directory}' failed: {first.Error.Message}", first.Error);
            }
        }
        finally
        {
            _queue.Complete(exclusive, exclusive);
        }
    }

    // Leader only. Writes _segments at the write offset, and syncs them with `sync`; `syncedLater` says the caller
    // syncs them itself soon (purge rewrites), so they are written as a group about to be synced. A failure makes the
    // engine refuse further writes.
    private void AppendSegments(long total, bool sync, bool syncedLater = false)
    {
        try
        {
            _pipe.Append(_segments, total, sync || syncedLater);
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

    // Leader only. Applies a written batch (its items section; its data section starts at dataOffset) to the index.
    private void Apply(ulong seq, long dataOffset, ReadOnlySpan<byte> items)
    {
        string? error = _index.ApplyBatch((uint)seq, LogFileFormat.Version, dataOffset, items);
        if (error != null)
        {
            var bug = new InvalidOperationException($"A batch written at file {seq} (data at offset {dataOffset}) does not decode: {error}.");
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
            AppendSegments(batch.EncodedLength, sync: false, syncedLater: true);
        }
        finally
        {
            _segments.Clear();
        }
        Interlocked.Add(ref _rewriteBytes, batch.EncodedLength);
        Apply(seq, offset + batch.HeaderLength + batch.ItemsLength, batch.Items);
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
