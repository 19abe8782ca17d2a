using ManagedKv.Raft;

namespace ManagedKv.Node.Batch;

/// <summary>
/// Work for an <see cref="ApplyFsm"/>: committed entries of one durable Ready (a view of the Raft group's entry memory,
/// valid until the peer reports them applied, which it does only after the apply result), or a forced truncation.
/// </summary>
/// <param name="Entries">The committed entries, in log order (empty for a forced truncation).</param>
/// <param name="ForceCompact">Truncate the log at the applied index.</param>
/// <param name="Bytes">Payload bytes, for the apply-queue counter.</param>
internal readonly record struct ApplyTask(EntrySlice Entries, bool ForceCompact, long Bytes);
