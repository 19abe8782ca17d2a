namespace ManagedKv.Raft.Tests;

/// <summary>
/// A <see cref="RaftCore"/> with its <see cref="MemoryRaftStorage"/>, persisting synchronously when its messages
/// are read (as etcd's tests do with readMessages).
/// </summary>
internal sealed class TestPeer
{
    public TestPeer(RaftCore raft, MemoryRaftStorage storage)
    {
        Raft = raft;
        Storage = storage;
    }

    public RaftCore Raft { get; }

    public MemoryRaftStorage Storage { get; }

    public static TestPeer Create(ulong id, ulong[] peers, int election = 10, int heartbeat = 1, Action<RaftConfig>? configure = null)
    {
        var storage = new MemoryRaftStorage(new ConfState(peers));
        return Create(id, storage, election, heartbeat, configure);
    }

    public static TestPeer Create(ulong id, MemoryRaftStorage storage, int election = 10, int heartbeat = 1, Action<RaftConfig>? configure = null)
    {
        var config = new RaftConfig
        {
            Id = id,
            ElectionTick = election,
            HeartbeatTick = heartbeat,
            MaxSizePerMsg = ulong.MaxValue,
            MaxInflightMsgs = 256,
        };
        configure?.Invoke(config);
        return new TestPeer(new RaftCore(config, storage), storage);
    }

    /// <summary>A peer whose storage already holds entries of the given terms (indices 1..n) and whose hard state
    /// has <paramref name="term"/>.</summary>
    public static TestPeer WithLog(ulong id, ulong[] peers, ulong[] terms, ulong term, Action<RaftConfig>? configure = null)
    {
        var storage = new MemoryRaftStorage(new ConfState(peers));
        var entries = new Entry[terms.Length];
        for (int i = 0; i < terms.Length; i++)
        {
            entries[i] = new Entry(terms[i], (ulong)i + 1, EntryType.EntryNormal, default);
        }

        storage.Append(entries);
        storage.SetHardState(new HardState(term, 0, 0));
        return Create(id, storage, configure: configure);
    }

    public RaftResult Step(Message m) => Raft.Step(m);

    /// <summary>Writes unstable entries, snapshot and hard state to storage and reports them persisted.</summary>
    public void Persist()
    {
        RaftLog log = Raft.RaftLog;
        Snapshot? snap = log.Unstable.Snapshot;
        if (snap is not null)
        {
            Storage.ApplySnapshot(snap);
            Raft.OnPersistSnapshot(snap.Index);
        }

        if (log.Unstable.Count > 0)
        {
            var entries = new List<Entry>();
            log.Unstable.Slice(log.Unstable.Offset, log.Unstable.Offset + (ulong)log.Unstable.Count, entries);
            log.Unstable.AcceptInProgress();
            Storage.Append(entries.ToArray());
            Entry last = entries[^1];
            Raft.OnPersistEntries(last.Index, last.Term);
        }

        Storage.SetHardState(Raft.HardState);
    }

    /// <summary>Persists, then takes every outgoing message.</summary>
    public List<Message> ReadMessages()
    {
        Persist();
        var msgs = new List<Message>(Raft.Msgs);
        msgs.AddRange(Raft.PersistedMsgs);
        Raft.Msgs.Clear();
        Raft.PersistedMsgs.Clear();
        return msgs;
    }

    /// <summary>All entries of the log (storage then unstable), for comparisons.</summary>
    public Entry[] AllEntries()
    {
        var output = new List<Entry>();
        RaftLog log = Raft.RaftLog;
        if (log.LastIndex() >= log.FirstIndex())
        {
            Assert.Equal(StorageStatus.Ok, log.Slice(log.FirstIndex(), log.LastIndex() + 1, ulong.MaxValue, output));
        }

        return output.ToArray();
    }

    public void BecomeLeaderNow()
    {
        Raft.BecomeCandidate();
        Raft.BecomeLeader();
    }
}
