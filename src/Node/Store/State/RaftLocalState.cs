using ManagedKv.Raft;

namespace ManagedKv.Node.Store;

/// <summary>
/// A region's Raft hard state and last log index, stored in the RaftEngine under state key "R" beside the region's
/// entries, written in the same <see cref="RaftEngine.LogBatch"/> as the entries it describes (TiKV's
/// raft_serverpb.RaftLocalState). Encoding: src/Node/FORMAT.md, "RaftLocalState".
/// </summary>
/// <param name="HardState">Term, vote and commit index.</param>
/// <param name="LastIndex">The index of the last entry in the log (the truncated index when the log is empty).</param>
public readonly record struct RaftLocalState(HardState HardState, ulong LastIndex);
