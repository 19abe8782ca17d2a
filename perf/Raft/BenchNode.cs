using ManagedKv.Raft;

namespace ManagedKv.Perf.Raft;

/// <summary>
/// One member of a benchmark group: a <see cref="RawNode"/> over a <see cref="MemoryRaftStorage"/> that plays the
/// disk, and an applied index. Single-threaded, driven by <see cref="BenchGroup"/>.
/// </summary>
internal sealed class BenchNode
{
    /// <summary>Compact the in-memory log once this many applied entries sit in it: memory stays small with
    /// thousands of groups, and each compaction moves only the short unapplied tail.</summary>
    private const ulong CompactEvery = 64;

    public BenchNode(ulong id, ConfState confState)
    {
        Storage = new MemoryRaftStorage(confState);
        Node = new RawNode(
            new RaftConfig
            {
                Id = id,
                ElectionTick = 10,
                HeartbeatTick = 2,
                MaxSizePerMsg = 1 << 20,
                MaxInflightMsgs = 256,
            },
            Storage);
    }

    public RawNode Node { get; }

    public MemoryRaftStorage Storage { get; }

    /// <summary>Normal entries with a payload applied by this node.</summary>
    public long AppliedProposals { get; private set; }

    public ulong AppliedIndex { get; private set; }

    /// <summary>Persists and applies <paramref name="rd"/> the way a store does (write, then apply), without I/O.</summary>
    public void PersistAndApply(Ready rd)
    {
        if (rd.HardState is HardState hs)
        {
            Storage.SetHardState(hs);
        }

        Storage.Append(rd.Entries);
        foreach (Entry e in rd.CommittedEntries)
        {
            if (e.Type == EntryType.EntryNormal && !e.Data.IsEmpty)
            {
                AppliedProposals++;
            }

            AppliedIndex = e.Index;
        }

        if (AppliedIndex >= Storage.FirstIndex() + CompactEvery)
        {
            Storage.Compact(AppliedIndex);
        }
    }
}
