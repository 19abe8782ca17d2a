namespace ManagedKv.Raft.Tests;

/// <summary>Snapshots (Raft §7): sending when entries are compacted, restoring, rejecting stale ones, reporting.</summary>
public sealed class SnapshotTests
{
    private static readonly Snapshot Snap = new(11, 11, new ConfState(1, 2), "state"u8.ToArray());

    /// <summary>A leader of {1, 2} whose log is compacted up to 11, with 2's progress behind that.</summary>
    private static TestPeer LeaderNeedingSnapshot()
    {
        var storage = new MemoryRaftStorage(new ConfState(1, 2));
        storage.ApplySnapshot(Snap);
        storage.SetHardState(new HardState(11, 0, 11));
        TestPeer p = TestPeer.Create(1, storage);
        p.BecomeLeaderNow();
        p.ReadMessages();
        Progress pr = p.Raft.Tracker.Progress.Get(2)!;
        pr.Next = 5;
        pr.Match = 0;
        pr.RecentActive = true;
        pr.MsgAppFlowPaused = false;
        return p;
    }

    [Fact]
    public void LeaderSendsSnapshotWhenEntriesAreCompacted()
    {
        TestPeer p = LeaderNeedingSnapshot();
        p.Raft.SendAppend(2);

        Message m = Assert.Single(p.ReadMessages());
        Assert.Equal(MessageType.MsgSnapshot, m.Type);
        Assert.Same(Snap, m.Snapshot);
        Progress pr = p.Raft.Tracker.Progress.Get(2)!;
        Assert.Equal(ProgressState.Snapshot, pr.State);
        Assert.Equal(11UL, pr.PendingSnapshot);

        // Nothing else is sent while the snapshot is in flight.
        p.Step(Network.Prop(1));
        Assert.DoesNotContain(p.ReadMessages(), x => x.To == 2 && x.Type == MessageType.MsgAppend);
    }

    [Fact]
    public void InactiveFollowerGetsNoSnapshot()
    {
        TestPeer p = LeaderNeedingSnapshot();
        p.Raft.Tracker.Progress.Get(2)!.RecentActive = false;
        p.Raft.SendAppend(2);
        Assert.Empty(p.ReadMessages());
    }

    [Theory]
    [InlineData(SnapshotStatus.Finish, 12UL)]
    [InlineData(SnapshotStatus.Failure, 1UL)]
    public void ReportSnapshotReturnsToProbe(SnapshotStatus status, ulong expectNext)
    {
        TestPeer p = LeaderNeedingSnapshot();
        p.Raft.SendAppend(2);
        p.ReadMessages();

        p.Step(new Message { From = 2, To = 1, Type = MessageType.MsgSnapStatus, Reject = status == SnapshotStatus.Failure });

        Progress pr = p.Raft.Tracker.Progress.Get(2)!;
        Assert.Equal(ProgressState.Probe, pr.State);
        Assert.Equal(expectNext, pr.Next);

        // Paused until the follower answers a heartbeat.
        Assert.True(pr.IsPaused);
    }

    [Fact]
    public void FollowerAckOfSnapshotResumesReplication()
    {
        TestPeer p = LeaderNeedingSnapshot();
        p.Raft.SendAppend(2);
        p.ReadMessages();

        p.Step(new Message { From = 2, To = 1, Type = MessageType.MsgAppendResponse, Term = p.Raft.Term, Index = 11 });

        Progress pr = p.Raft.Tracker.Progress.Get(2)!;
        Assert.Equal(ProgressState.Replicate, pr.State);
        Assert.Equal(11UL, pr.Match);
        Assert.Contains(p.ReadMessages(), m => m.To == 2 && m.Type == MessageType.MsgAppend);
    }

    [Fact]
    public void FollowerRestoresSnapshot()
    {
        var storage = new MemoryRaftStorage(new ConfState(1, 2));
        var node = new RawNode(new RaftConfig { Id = 2, ElectionTick = 10, HeartbeatTick = 1 }, storage);
        var snap = new Snapshot(11, 11, new ConfState(1, 2, 3), "state"u8.ToArray());

        node.Step(new Message { From = 1, To = 2, Type = MessageType.MsgSnapshot, Term = 11, Snapshot = snap });

        Ready rd = node.Ready();
        Assert.Same(snap, rd.Snapshot);
        Assert.True(rd.MustSync);
        Assert.Empty(rd.CommittedEntries);
        Message ack = Assert.Single(rd.PersistedMessages);
        Assert.Equal(MessageType.MsgAppendResponse, ack.Type);
        Assert.Equal(11UL, ack.Index);
        Assert.Equal(new ConfState(1, 2, 3), node.Status().ConfState);

        storage.ApplySnapshot(rd.Snapshot!);
        storage.SetHardState(rd.HardState!.Value);
        node.Advance(rd);

        Assert.Equal(11UL, node.Status().Applied);
        Assert.Equal(12UL, node.Raft.RaftLog.FirstIndex());
        Assert.Equal(11UL, node.Raft.RaftLog.LastIndex());

        // A restart restores from the stored snapshot.
        var restarted = new RawNode(new RaftConfig { Id = 2, ElectionTick = 10, HeartbeatTick = 1, Applied = 11 }, storage);
        Assert.Equal(new ConfState(1, 2, 3), restarted.Status().ConfState);
        Assert.Equal(11UL, restarted.Status().HardState.Commit);
    }

    [Fact]
    public void StaleSnapshotIsRejected()
    {
        TestPeer p = TestPeer.WithLog(2, [1, 2], [1, 1, 1], term: 1);
        p.Step(new Message { From = 1, To = 2, Type = MessageType.MsgHeartbeat, Term = 1, Commit = 3 });
        p.ReadMessages();

        p.Step(new Message { From = 1, To = 2, Type = MessageType.MsgSnapshot, Term = 1, Snapshot = new Snapshot(2, 1, new ConfState(1, 2), default) });

        Message m = Assert.Single(p.ReadMessages());
        Assert.Equal(MessageType.MsgAppendResponse, m.Type);
        Assert.Equal(3UL, m.Index);
        Assert.Null(p.Raft.RaftLog.Unstable.Snapshot);
    }

    [Fact]
    public void SnapshotMatchingTheLogFastForwardsCommit()
    {
        TestPeer p = TestPeer.WithLog(2, [1, 2], [1, 1, 1], term: 1);
        p.Raft.BecomeFollower(1, 1);

        p.Step(new Message { From = 1, To = 2, Type = MessageType.MsgSnapshot, Term = 1, Snapshot = new Snapshot(2, 1, new ConfState(1, 2), default) });

        Assert.Equal(2UL, p.Raft.RaftLog.Committed);
        Assert.Null(p.Raft.RaftLog.Unstable.Snapshot);
    }

    [Fact]
    public void SnapshotNotContainingTheNodeIsIgnored()
    {
        TestPeer p = TestPeer.Create(2, [1, 2]);
        p.Step(new Message { From = 1, To = 2, Type = MessageType.MsgSnapshot, Term = 1, Snapshot = new Snapshot(5, 1, new ConfState(1, 3), default) });
        Assert.Null(p.Raft.RaftLog.Unstable.Snapshot);
        Assert.Equal(0UL, p.Raft.RaftLog.Committed);
    }

    [Fact]
    public void SnapshotDuringReplicationCatchesUpACompactedFollower()
    {
        Network n = Network.Create(3);
        n.Send(Network.Hup(1));
        n.Isolate(3);
        for (int i = 0; i < 10; i++)
        {
            n.Send(Network.Prop(1));
        }

        // The leader snapshots and compacts everything applied; 3 can only catch up by snapshot.
        TestPeer leader = n.Peers[1];
        ulong committed = leader.Raft.RaftLog.Committed;
        leader.Raft.AppliedTo(committed);
        leader.Storage.CreateSnapshot(committed, new ConfState(1, 2, 3), "snap"u8.ToArray());
        leader.Storage.Compact(committed);

        n.Recover();
        n.Send(Network.Beat(1));
        n.Send(Network.Prop(1));

        TestPeer follower = n.Peers[3];
        Assert.Equal(leader.Raft.RaftLog.Committed, follower.Raft.RaftLog.Committed);
        Assert.Equal(committed, follower.Storage.Snapshot()!.Index);
        Assert.Equal(leader.Raft.RaftLog.LastIndex(), follower.Raft.RaftLog.LastIndex());
    }
}
