namespace ManagedKv.Raft.Tests;

/// <summary>
/// The steady state of replication allocates nothing beyond the payload (issue 6's target): three in-process
/// RawNodes that deliver, persist, apply and report each Ready before taking the next one.
/// </summary>
public sealed class RawNodeAllocationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    public void SteadyReplicationAllocatesNothingPerProposal(int batch)
    {
        var cluster = new InProcessGroup();
        byte[] payload = new byte[16];
        var payloads = new ReadOnlyMemory<byte>[batch];
        Array.Fill(payloads, payload);

        // Warm up: pools, lists and the storage reach their steady sizes.
        for (int i = 0; i < 300; i++)
        {
            cluster.ProposeAndSettle(payloads);
        }

        long applied = cluster.Applied;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            cluster.ProposeAndSettle(payloads);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(200L * batch, cluster.Applied - applied);
        Assert.True(allocated == 0, $"{allocated} bytes allocated for {200 * batch} proposals (batch {batch})");
    }

    [Fact]
    public void AReleasedReadyIsReused()
    {
        var cluster = new InProcessGroup();
        RawNode leader = cluster.Leader;
        leader.Propose(new byte[1]);
        Ready first = leader.Ready();
        Assert.Single(first.Entries);

        // Persisted, nothing to apply: released at once, and the next Ready this thread takes reuses it.
        leader.Advance(first);
        leader.Propose(new byte[1]);
        Ready second = leader.Ready();
        Assert.Same(first, second);
        Assert.Single(second.Entries);
    }

    /// <summary>A 3-node group driven synchronously, node 1 leading; compacts storage as it applies.</summary>
    private sealed class InProcessGroup
    {
        private readonly RawNode[] _nodes = new RawNode[3];
        private readonly MemoryRaftStorage[] _storages = new MemoryRaftStorage[3];

        public InProcessGroup()
        {
            for (int i = 0; i < 3; i++)
            {
                _storages[i] = new MemoryRaftStorage(new ConfState(1, 2, 3));
                _nodes[i] = new RawNode(new RaftConfig { Id = (ulong)i + 1 }, _storages[i]);
            }

            _nodes[0].Campaign();
            Settle();
            Assert.Equal(StateRole.Leader, _nodes[0].Status().SoftState.RaftState);
        }

        public RawNode Leader => _nodes[0];

        public long Applied { get; private set; }

        public void ProposeAndSettle(ReadOnlyMemory<byte>[] payloads)
        {
            // (No Assert here: xunit's assertions allocate.)
            RaftResult r = payloads.Length == 1 ? Leader.Propose(payloads[0]) : Leader.ProposeBatch(payloads);
            if (r != RaftResult.Ok)
            {
                throw new InvalidOperationException($"proposal refused: {r}");
            }

            Settle();
        }

        public void Settle()
        {
            bool any = true;
            while (any)
            {
                any = false;
                for (int i = 0; i < 3; i++)
                {
                    RawNode node = _nodes[i];
                    MemoryRaftStorage storage = _storages[i];
                    while (node.HasReady())
                    {
                        any = true;
                        Ready rd = node.Ready();
                        foreach (Message m in rd.Messages)
                        {
                            _nodes[(int)m.To - 1].Step(m);
                        }

                        if (rd.HardState is HardState hs)
                        {
                            storage.SetHardState(hs);
                        }

                        storage.Append(rd.Entries);
                        foreach (Message m in rd.PersistedMessages)
                        {
                            _nodes[(int)m.To - 1].Step(m);
                        }

                        ulong last = 0;
                        foreach (Entry e in rd.CommittedEntries)
                        {
                            last = e.Index;
                            if (i == 0 && !e.Data.IsEmpty)
                            {
                                Applied++;
                            }
                        }

                        node.Advance(rd);
                        if (last >= storage.FirstIndex() + 32)
                        {
                            storage.Compact(last);
                        }
                    }
                }
            }
        }
    }
}
