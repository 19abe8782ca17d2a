namespace ManagedKv.Node.Store;

/// <summary>
/// How far a region's state machine has applied its log, and where the log was truncated (TiKV's
/// raft_serverpb.RaftApplyState). Stored in the KV engine's <c>raft</c> column family and written in the same
/// <see cref="Lsm.WriteBatch"/> as the applied data, so applying and recording the applied index are atomic.
/// Encoding: src/Node/FORMAT.md, "RaftApplyState".
/// </summary>
/// <param name="AppliedIndex">The last applied entry.</param>
/// <param name="CommitIndex">The commit index known when <paramref name="AppliedIndex"/> was written.</param>
/// <param name="CommitTerm">The term of the entry at <paramref name="CommitIndex"/>.</param>
/// <param name="TruncatedIndex">Entries at or below this index are gone from the log (log GC).</param>
/// <param name="TruncatedTerm">The term of the entry at <paramref name="TruncatedIndex"/>.</param>
public readonly record struct RaftApplyState(ulong AppliedIndex, ulong CommitIndex, ulong CommitTerm, ulong TruncatedIndex, ulong TruncatedTerm);
