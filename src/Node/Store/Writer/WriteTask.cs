using ManagedKv.Raft;

namespace ManagedKv.Node.Store;

/// <summary>
/// The persistence work of one region handed to the <see cref="StoreWriter"/> (TiKV's async-io WriteTask): entries to
/// append (the RaftEngine truncates a conflicting suffix itself), the <see cref="RaftLocalState"/> to put, a log
/// compaction. Filled on the peer's thread (<see cref="PeerStorage.PrepareWrite"/>,
/// <see cref="PeerStorage.PrepareCompaction"/>), read by the writer thread, returned through
/// <see cref="IWriteTaskCallback"/>; the peer may reuse it after that (<see cref="Reset"/>).
/// </summary>
/// <remarks>
/// <see cref="Entries"/> views the Ready's pooled entry memory: it stays valid because the peer reports the Ready
/// persisted (which lets the node recycle it) only after the task comes back.
/// </remarks>
public sealed class WriteTask
{
    /// <summary>Creates a task for <paramref name="regionId"/> reporting to <paramref name="callback"/>.</summary>
    public WriteTask(ulong regionId, IWriteTaskCallback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        RegionId = regionId;
        Callback = callback;
    }

    /// <summary>The region (= RaftEngine region id).</summary>
    public ulong RegionId { get; }

    /// <summary>Who is told when the task is done.</summary>
    public IWriteTaskCallback Callback { get; }

    /// <summary>The <see cref="Ready.Number"/> this task persists, or 0 for a task that is not a Ready's (a log
    /// compaction).</summary>
    public ulong ReadyNumber { get; set; }

    /// <summary>Entries to append at <c>Entries[0].Index</c> (consecutive indices).</summary>
    public EntrySlice Entries { get; set; }

    /// <summary>Whether <see cref="RaftState"/> is to be put.</summary>
    public bool HasRaftState { get; set; }

    /// <summary>The hard state and last index to store under state key "R".</summary>
    public RaftLocalState RaftState { get; set; }

    /// <summary>If non-zero, drop the region's entries below this index (after the appends).</summary>
    public ulong CompactTo { get; set; }

    /// <summary>Set by the writer when the write failed; the task's work is then not durable.</summary>
    public Exception? Error { get; internal set; }

    /// <summary>Approximate bytes of the task's payload (entry data and context plus per-entry overhead), set at submit.</summary>
    public long ApproximateBytes { get; internal set; }

    /// <summary>Whether there is nothing to write.</summary>
    public bool IsEmpty => Entries.IsEmpty && !HasRaftState && CompactTo == 0;

    /// <summary>Clears the task for reuse (same region and callback).</summary>
    public void Reset()
    {
        ReadyNumber = 0;
        Entries = default;
        HasRaftState = false;
        RaftState = default;
        CompactTo = 0;
        Error = null;
        ApproximateBytes = 0;
    }
}
