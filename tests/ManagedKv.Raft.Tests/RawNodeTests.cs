namespace ManagedKv.Raft.Tests;

/// <summary>The Ready / Advance cycle of <see cref="RawNode"/>: what is handed out, when, and restart.</summary>
public sealed class RawNodeTests
{
    private static RawNode NewNode(ulong id, MemoryRaftStorage storage, ulong applied = 0) =>
        new(new RaftConfig { Id = id, ElectionTick = 10, HeartbeatTick = 1, Applied = applied }, storage);

    /// <summary>Persists and applies a Ready synchronously; returns the applied entries.</summary>
    private static List<Entry> HandleReady(RawNode node, MemoryRaftStorage storage)
    {
        Ready rd = node.Ready();
        if (rd.Snapshot is not null)
        {
            storage.ApplySnapshot(rd.Snapshot);
        }

        storage.Append(rd.Entries);
        if (rd.HardState is HardState hs)
        {
            storage.SetHardState(hs);
        }

        // A Ready is reused once released: take what is needed before reporting it.
        List<Entry> committed = [.. rd.CommittedEntries];
        node.Advance(rd);
        return committed;
    }

    [Fact]
    public void SingleNodeCampaignsProposesAndApplies()
    {
        var storage = new MemoryRaftStorage(new ConfState(1));
        RawNode node = NewNode(1, storage);
        node.Campaign();

        Ready rd = node.Ready();
        Assert.Equal(new SoftState(1, StateRole.Leader), rd.SoftState);
        Assert.Equal(new HardState(1, 1, 0), rd.HardState);
        Assert.True(rd.MustSync);
        Entry noop = Assert.Single(rd.Entries);
        Assert.Equal(1UL, noop.Index);

        // Nothing is committed before the leader's own entry is persisted.
        Assert.Empty(rd.CommittedEntries);
        storage.Append(rd.Entries);
        storage.SetHardState(rd.HardState!.Value);
        node.Advance(rd);

        Assert.True(node.HasReady());
        List<Entry> applied = HandleReady(node, storage);
        Assert.Equal([1UL], applied.Select(e => e.Index));

        Assert.Equal(RaftResult.Ok, node.Propose("hello"u8.ToArray()));
        applied = [];
        while (node.HasReady())
        {
            applied.AddRange(HandleReady(node, storage));
        }

        Entry e = Assert.Single(applied);
        Assert.Equal("hello"u8.ToArray(), e.Data.ToArray());
        Assert.Equal(2UL, node.Status().Applied);
        Assert.False(node.HasReady());
    }

    [Fact]
    public void ReadyIsEmptyAfterEverythingIsHandled()
    {
        var storage = new MemoryRaftStorage(new ConfState(1));
        RawNode node = NewNode(1, storage);
        Assert.False(node.HasReady());
        node.Campaign();
        while (node.HasReady())
        {
            HandleReady(node, storage);
        }

        Ready rd = node.Ready();
        Assert.Null(rd.HardState);
        Assert.Null(rd.SoftState);
        Assert.Empty(rd.Entries);
        Assert.Empty(rd.CommittedEntries);
        Assert.Empty(rd.Messages);
    }

    [Fact]
    public void RestartResumesFromPersistedState()
    {
        var storage = new MemoryRaftStorage(new ConfState(1));
        RawNode node = NewNode(1, storage);
        node.Campaign();
        for (int i = 0; i < 3; i++)
        {
            node.Propose(new[] { (byte)i });
        }

        while (node.HasReady())
        {
            HandleReady(node, storage);
        }

        Assert.Equal(new HardState(1, 1, 4), storage.HardState);

        // Restart having applied up to 2: only 3 and 4 are handed out again.
        RawNode restarted = NewNode(1, storage, applied: 2);
        Assert.Equal(StateRole.Follower, restarted.Status().SoftState.RaftState);
        Assert.Equal(1UL, restarted.Status().HardState.Term);
        List<Entry> applied = [];
        while (restarted.HasReady())
        {
            applied.AddRange(HandleReady(restarted, storage));
        }

        Assert.Equal([3UL, 4UL], applied.Select(e => e.Index));
    }

    [Fact]
    public void LeaderSendsAppendsBeforePersistingButFollowerAnswersAfter()
    {
        var s1 = new MemoryRaftStorage(new ConfState(1, 2));
        var s2 = new MemoryRaftStorage(new ConfState(1, 2));
        RawNode n1 = NewNode(1, s1);
        RawNode n2 = NewNode(2, s2);

        // Election: the vote request waits for the candidate's own state to persist.
        n1.Campaign();
        Ready rd1 = n1.Ready();
        Assert.Empty(rd1.Messages);
        Message vote = Assert.Single(rd1.PersistedMessages);
        Assert.Equal(MessageType.MsgRequestVote, vote.Type);
        s1.SetHardState(rd1.HardState!.Value);
        n1.Advance(rd1);

        n2.Step(vote);
        Ready rd2 = n2.Ready();
        Message grant = Assert.Single(rd2.PersistedMessages);
        Assert.Equal(MessageType.MsgRequestVoteResponse, grant.Type);
        Assert.Equal(new HardState(1, 1, 0), rd2.HardState);
        s2.SetHardState(rd2.HardState!.Value);
        n2.Advance(rd2);

        n1.Step(grant);
        rd1 = n1.Ready();
        Assert.Equal(StateRole.Leader, rd1.SoftState!.RaftState);

        // The leader's append goes out at once, with the entry it has not persisted yet.
        Message app = Assert.Single(rd1.Messages);
        Assert.Equal(MessageType.MsgAppend, app.Type);
        Assert.Single(app.Entries);
        Assert.Single(rd1.Entries);

        // The follower persists first, then answers; the leader commits only once it persisted its own copy too.
        n2.Step(app);
        rd2 = n2.Ready();
        Assert.Empty(rd2.Messages);
        Message ack = Assert.Single(rd2.PersistedMessages);
        s2.Append(rd2.Entries);

        // Delivered before rd2 is reported: the node reuses a released Ready's messages.
        n1.Step(ack);
        n2.Advance(rd2);
        Assert.Equal(0UL, n1.Status().HardState.Commit);
        s1.Append(rd1.Entries);
        n1.OnPersistReady(rd1.Number);
        Assert.Equal(1UL, n1.Status().HardState.Commit);
    }

    [Fact]
    public void CommittedEntriesWaitForLocalPersistence()
    {
        var s2 = new MemoryRaftStorage(new ConfState(1, 2, 3));
        RawNode follower = NewNode(2, s2);

        // The leader's append commits entry 1 immediately, but the follower has not persisted it yet.
        follower.Step(new Message
        {
            Type = MessageType.MsgAppend, From = 1, To = 2, Term = 1, Index = 0, LogTerm = 0, Commit = 1,
            Entries = [new Entry(1, 1, EntryType.EntryNormal, "x"u8.ToArray())],
        });
        Ready rd = follower.Ready();
        Assert.Single(rd.Entries);
        Assert.Empty(rd.CommittedEntries);

        s2.Append(rd.Entries);
        follower.AdvanceAppend(rd);
        rd = follower.Ready();
        Assert.Equal([1UL], rd.CommittedEntries.Select(e => e.Index));
    }

    [Fact]
    public void StepRejectsLocalMessagesAndUnknownPeers()
    {
        RawNode node = NewNode(1, new MemoryRaftStorage(new ConfState(1, 2)));
        Assert.Equal(RaftResult.StepLocalMessage, node.Step(new Message { Type = MessageType.MsgHup, From = 1 }));
        Assert.Equal(RaftResult.StepPeerNotFound, node.Step(new Message { Type = MessageType.MsgAppendResponse, From = 9, Term = 1 }));
        Assert.Equal(RaftResult.ProposalDropped, node.Propose("x"u8.ToArray()));
    }

    [Fact]
    public void SeveralReadiesArePersistedWithOneReport()
    {
        var storage = new MemoryRaftStorage(new ConfState(1));
        RawNode node = NewNode(1, storage);
        node.Campaign();
        var readies = new List<Ready>();
        for (int i = 0; i < 3; i++)
        {
            node.Propose(new[] { (byte)i });
            readies.Add(node.Ready());
        }

        // Each Ready holds only new entries; nothing commits until persisted.
        Assert.Equal([2, 1, 1], readies.Select(r => r.Entries.Length));
        Assert.All(readies, r => Assert.Empty(r.CommittedEntries));

        // One write for all three (a store writer batching), one report with the last number.
        foreach (Ready rd in readies)
        {
            storage.Append(rd.Entries);
            if (rd.HardState is HardState hs)
            {
                storage.SetHardState(hs);
            }
        }

        node.OnPersistReady(readies[^1].Number);
        Ready next = node.Ready();
        Assert.Equal([1UL, 2UL, 3UL, 4UL], next.CommittedEntries.Select(e => e.Index));
        Assert.Equal(4UL, next.HardState!.Value.Commit);
        Assert.False(next.MustSync);
    }

    [Fact]
    public void EntriesReplacedBeforePersistenceAreNotReportedPersisted()
    {
        var storage = new MemoryRaftStorage(new ConfState(1, 2, 3));
        RawNode follower = NewNode(2, storage);
        follower.Step(new Message
        {
            Type = MessageType.MsgAppend, From = 1, To = 2, Term = 1, Index = 0, LogTerm = 0,
            Entries = [new Entry(1, 1, EntryType.EntryNormal, "a"u8.ToArray()), new Entry(1, 2, EntryType.EntryNormal, "b"u8.ToArray())],
        });
        Ready first = follower.Ready();

        // A new leader overwrites index 2 before the first write completes.
        follower.Step(new Message
        {
            Type = MessageType.MsgAppend, From = 3, To = 2, Term = 2, Index = 1, LogTerm = 1, Commit = 2,
            Entries = [new Entry(2, 2, EntryType.EntryNormal, "c"u8.ToArray())],
        });
        Ready second = follower.Ready();
        Assert.Equal([2UL], second.Entries.Select(e => e.Term));

        storage.Append(first.Entries);
        follower.OnPersistReady(first.Number);

        // The report names (2, term 1), which is no longer in the log: nothing counts as persisted yet
        // (conservative, as in etcd), and the replaced entry "b" is never handed out for applying.
        Assert.Empty(follower.Ready().CommittedEntries);

        storage.Append(second.Entries);
        follower.OnPersistReady(second.Number);
        Entry[] committed = follower.Ready().CommittedEntries.ToArray();
        Assert.Equal(["a", "c"], committed.Select(e => System.Text.Encoding.UTF8.GetString(e.Data.Span)));
    }
}
