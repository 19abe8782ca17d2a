namespace ManagedKv.Perf;

/// <summary>One thread's writer: appends one region's entries, its Raft state, and an optional log compaction.</summary>
internal interface IRaftLogWriter
{
    void Append(ulong region, ulong firstIndex, IReadOnlyList<ReadOnlyMemory<byte>> entries, ReadOnlySpan<byte> raftState, ulong compactTo, bool sync);
}
