namespace ManagedKv.Raft.Tests;

/// <summary>Persisted entries stay cached in the log until applied: committed entries do not come from storage.</summary>
public sealed class EntryCacheTests
{
    [Fact]
    public void CommittedEntriesAreServedFromTheCacheUntilApplied()
    {
        var storage = new CountingStorage(new MemoryRaftStorage(new ConfState(1)));
        var node = new RawNode(new RaftConfig { Id = 1 }, storage);
        node.Campaign();
        long applied = 0;
        for (int round = 0; round < 50; round++)
        {
            node.Propose(new byte[] { (byte)round });
            while (node.HasReady())
            {
                Ready rd = node.Ready();
                storage.Inner.Append(rd.Entries);
                if (rd.HardState is HardState hs)
                {
                    storage.Inner.SetHardState(hs);
                }

                foreach (Entry e in rd.CommittedEntries)
                {
                    if (!e.Data.IsEmpty)
                    {
                        Assert.Equal((byte)applied, e.Data.Span[0]);
                        applied++;
                    }
                }

                node.Advance(rd);
            }
        }

        Assert.Equal(50, applied);
        Assert.Equal(0, storage.EntriesCalls);

        // A restarted node has no cache: the same entries come from storage.
        var restarted = new RawNode(new RaftConfig { Id = 1 }, storage);
        Assert.True(restarted.HasReady());
        Assert.Equal(51, restarted.Ready().CommittedEntries.Length);
        Assert.True(storage.EntriesCalls > 0);
    }

    /// <summary>Counts reads of entries from storage.</summary>
    private sealed class CountingStorage(MemoryRaftStorage inner) : IRaftStorage
    {
        public MemoryRaftStorage Inner { get; } = inner;

        public int EntriesCalls { get; private set; }

        public RaftState InitialState() => Inner.InitialState();

        public StorageStatus Entries(ulong lo, ulong hi, ulong maxSize, List<Entry> output)
        {
            EntriesCalls++;
            return Inner.Entries(lo, hi, maxSize, output);
        }

        public StorageStatus Term(ulong index, out ulong term) => Inner.Term(index, out term);

        public ulong FirstIndex() => Inner.FirstIndex();

        public ulong LastIndex() => Inner.LastIndex();

        public Snapshot? Snapshot() => Inner.Snapshot();
    }
}
