using ManagedKv.Lsm;
using ManagedKv.Raft;
using EntryType = ManagedKv.Raft.EntryType;

namespace ManagedKv.Node.Store;

/// <summary>
/// Applies one committed entry to a <see cref="WriteBatch"/> and advances a <see cref="RaftApplyState"/>: write
/// commands go to the <see cref="IApplyHandler"/>, a CompactLog moves the truncated index (if it is ahead of it and
/// at or below the applied index). Shared by the step-1 <see cref="Peer"/> apply and the batch system's apply FSM.
/// Stateless and thread-safe.
/// </summary>
public static class EntryApplier
{
    /// <summary>
    /// Adds <paramref name="entry"/>'s effect to <paramref name="batch"/> and returns the state after it. Entries at
    /// or below the applied index are skipped. Returns whether the log was truncated.
    /// </summary>
    /// <exception cref="InvalidOperationException">The entry is a configuration change (not supported yet).</exception>
    /// <exception cref="StoreCorruptionException">The entry carries an unknown or malformed command.</exception>
    public static bool Apply(ulong regionId, IApplyHandler applier, in Entry entry, ref RaftApplyState state, WriteBatch batch)
    {
        if (entry.Index <= state.AppliedIndex)
        {
            return false;
        }

        if (entry.Type != EntryType.EntryNormal)
        {
            throw new InvalidOperationException($"Region {regionId}: entry {entry.Index} is a configuration change; this store version applies none");
        }

        bool truncated = false;
        ReadOnlySpan<byte> data = entry.Data.Span;
        if (!data.IsEmpty)
        {
            switch (data[0])
            {
                case RaftCommand.WriteTag:
                    applier.Apply(regionId, entry.Index, data[1..], batch);
                    break;
                case RaftCommand.CompactLogTag:
                    (ulong index, ulong term) = RaftCommand.DecodeCompactLog(regionId, entry.Index, data[1..]);
                    if (index > state.TruncatedIndex && index <= state.AppliedIndex)
                    {
                        state = state with { TruncatedIndex = index, TruncatedTerm = term };
                        truncated = true;
                    }

                    break;
                default:
                    throw new StoreCorruptionException(regionId, "entry " + entry.Index, 0, $"unknown command tag {data[0]}");
            }
        }

        state = state with { AppliedIndex = entry.Index, CommitIndex = entry.Index, CommitTerm = entry.Term };
        return truncated;
    }
}
