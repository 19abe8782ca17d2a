namespace ManagedKv.Raft.Tests;

/// <summary>
/// A synchronous cluster of <see cref="RawNode"/>s driven through the full Ready cycle, applying configuration
/// changes as they commit (what an application does). Messages are delivered until the cluster is quiet.
/// </summary>
internal sealed class RawCluster
{
    private readonly HashSet<ulong> _isolated = [];

    public RawCluster(ulong[] voters, ulong[]? learners = null)
    {
        var cs = new ConfState(voters, learners ?? [], [], [], false);
        foreach (ulong id in voters.Concat(learners ?? []))
        {
            Add(id, cs);
        }
    }

    public SortedDictionary<ulong, RawNode> Nodes { get; } = new();

    public Dictionary<ulong, MemoryRaftStorage> Storages { get; } = new();

    public Dictionary<ulong, List<Entry>> Applied { get; } = new();

    public Dictionary<ulong, ConfState> ConfStates { get; } = new();

    /// <summary>Adds a node that starts with configuration <paramref name="cs"/> (a brand-new member starts empty
    /// and is caught up by the leader).</summary>
    public void Add(ulong id, ConfState cs)
    {
        var storage = new MemoryRaftStorage(cs);
        Storages[id] = storage;
        Nodes[id] = new RawNode(new RaftConfig { Id = id, ElectionTick = 10, HeartbeatTick = 1 }, storage);
        Applied[id] = [];
        ConfStates[id] = cs;
    }

    /// <summary>Snapshots every node at its applied index and compacts its log, so new members are caught up by
    /// snapshot (a new member starts with an empty configuration and cannot replay changes from index 1).</summary>
    public void CompactAll()
    {
        foreach ((ulong id, RawNode node) in Nodes)
        {
            ulong applied = node.Status().Applied;
            if (applied > 0)
            {
                Storages[id].CreateSnapshot(applied, ConfStates[id], "snapshot"u8.ToArray());
                Storages[id].Compact(applied);
            }
        }
    }

    public void Isolate(ulong id) => _isolated.Add(id);

    public void Heal() => _isolated.Clear();

    public RawNode Leader() => Nodes.Values.Single(n => n.Status().SoftState.RaftState == StateRole.Leader && !_isolated.Contains(n.Id));

    public void Campaign(ulong id)
    {
        Nodes[id].Campaign();
        Settle();
    }

    public void Settle()
    {
        bool progress = true;
        while (progress)
        {
            progress = false;
            var outbox = new List<Message>();
            foreach (RawNode node in Nodes.Values)
            {
                while (node.HasReady())
                {
                    progress = true;
                    Ready rd = node.Ready();
                    foreach (Message m in rd.Messages)
                    {
                        outbox.Add(MessageCopy.Clone(m));
                    }

                    MemoryRaftStorage storage = Storages[node.Id];
                    if (rd.Snapshot is not null)
                    {
                        storage.ApplySnapshot(rd.Snapshot);
                        ConfStates[node.Id] = rd.Snapshot.ConfState;
                    }

                    storage.Append(rd.Entries);
                    if (rd.HardState is HardState hs)
                    {
                        storage.SetHardState(hs);
                    }

                    foreach (Message m in rd.PersistedMessages)
                    {
                        outbox.Add(MessageCopy.Clone(m));
                    }

                    node.AdvanceAppend(rd);
                    foreach (Entry e in rd.CommittedEntries)
                    {
                        Applied[node.Id].Add(e);
                        if (e.Type == EntryType.EntryConfChangeV2)
                        {
                            ConfStates[node.Id] = node.ApplyConfChange(ConfChangeV2.Decode(e.Data.Span));
                        }
                    }

                    if (rd.CommittedEntries.Length > 0)
                    {
                        node.AdvanceApplyTo(rd.CommittedEntries[^1].Index);
                    }
                }
            }

            foreach (Message m in outbox)
            {
                if (Nodes.TryGetValue(m.To, out RawNode? target) && !_isolated.Contains(m.To) && !_isolated.Contains(m.From))
                {
                    target.Step(m);
                    progress = true;
                }
            }
        }
    }

    public void TickAll(int ticks)
    {
        for (int i = 0; i < ticks; i++)
        {
            foreach (RawNode n in Nodes.Values)
            {
                n.Tick();
            }

            Settle();
        }
    }
}
