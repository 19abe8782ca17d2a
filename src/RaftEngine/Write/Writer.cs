namespace ManagedKv.RaftEngine;

/// <summary>
/// One thread's place in the write queue: its batch, whether it asked for sync, and how the leader that wrote it
/// reports back. Reused per thread (no allocation per write). Fields are written by the owner before it joins and
/// by the leader before it signals; <see cref="Signal"/> orders those accesses.
/// </summary>
internal sealed class Writer
{
    // Spin briefly: a group usually completes within microseconds when sync is off, but the machine may have few cores.
    public readonly ManualResetEventSlim Signal = new(false, 20);

    public LogBatch? Batch;
    public bool Sync;

    /// <summary>An exclusive writer (purge, close) is never grouped: it becomes leader alone and does its own I/O.</summary>
    public bool Exclusive;

    /// <summary>Set by the leader: the writer's batch was written (or failed with <see cref="Error"/>).</summary>
    public bool Done;

    public Exception? Error;

    /// <summary>
    /// Set by the leader: the bytes the batch took in the log (its encoded length, less the header it shared when
    /// the group's batches were merged into one).
    /// </summary>
    public long Written;

    /// <summary>Next writer in the queue. Guarded by the queue's lock until the group is collected.</summary>
    public Writer? Next;
}
