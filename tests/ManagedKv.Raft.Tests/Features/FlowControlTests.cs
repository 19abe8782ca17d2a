namespace ManagedKv.Raft.Tests;

/// <summary>Replication flow control: probe / replicate states, the inflight window, MaxSizePerMsg and fast
/// backtracking with the reject hint.</summary>
public sealed class FlowControlTests
{
    private static Message Prop(string data) => Network.Prop(1, data);

    private static TestPeer LeaderOf2(int maxInflight = 256, ulong maxSize = ulong.MaxValue)
    {
        TestPeer p = TestPeer.Create(1, [1, 2], configure: c =>
        {
            c.MaxInflightMsgs = maxInflight;
            c.MaxSizePerMsg = maxSize;
        });
        p.BecomeLeaderNow();
        p.ReadMessages();
        return p;
    }

    [Fact]
    public void ProbeStateSendsOneMessageUntilAnswered()
    {
        TestPeer p = LeaderOf2();
        Progress pr = p.Raft.Tracker.Progress.Get(2)!;
        Assert.Equal(ProgressState.Probe, pr.State);

        // The first append goes out; more proposals send nothing while the probe is outstanding.
        p.Raft.SendAppend(2);
        Assert.Single(p.ReadMessages());
        p.Step(Prop("a"));
        p.Step(Prop("b"));
        Assert.Empty(p.ReadMessages());

        // A heartbeat answer unpauses the probe.
        p.Step(new Message { From = 2, To = 1, Type = MessageType.MsgHeartbeatResponse, Term = p.Raft.Term });
        Message m = Assert.Single(p.ReadMessages());
        Assert.Equal(MessageType.MsgAppend, m.Type);
    }

    [Fact]
    public void AcknowledgedProbeSwitchesToReplicateAndStreams()
    {
        TestPeer p = LeaderOf2(maxInflight: 3);
        p.Raft.SendAppend(2);
        Message probe = Assert.Single(p.ReadMessages());
        p.Step(new Message { From = 2, To = 1, Type = MessageType.MsgAppendResponse, Term = p.Raft.Term, Index = probe.Index + (ulong)probe.Entries.Length });
        Progress pr = p.Raft.Tracker.Progress.Get(2)!;
        Assert.Equal(ProgressState.Replicate, pr.State);
        p.ReadMessages();

        // Three appends fill the window; the fourth proposal waits.
        for (int i = 0; i < 4; i++)
        {
            p.Step(Prop("x" + i));
        }

        List<Message> msgs = p.ReadMessages();
        Assert.Equal(3, msgs.Count(m => m.Type == MessageType.MsgAppend && m.Entries.Length > 0));
        Assert.True(pr.IsPaused);
        Assert.Equal(3, pr.Inflights.Count);

        // Acknowledging the first frees a slot; the pending entry goes out.
        p.Step(new Message { From = 2, To = 1, Type = MessageType.MsgAppendResponse, Term = p.Raft.Term, Index = msgs[0].Index + 1 });
        Assert.Contains(p.ReadMessages(), m => m.Type == MessageType.MsgAppend && m.Entries.Length == 1);
    }

    [Fact]
    public void MaxSizePerMsgSplitsAppends()
    {
        // Each entry is 24 bytes of overhead + 8 bytes of data: 2 entries fit in 64 bytes.
        TestPeer p = LeaderOf2(maxSize: 64);
        for (int i = 0; i < 6; i++)
        {
            p.Step(Prop("12345678"));
        }

        p.ReadMessages();
        Progress pr = p.Raft.Tracker.Progress.Get(2)!;
        pr.Match = 0;
        pr.BecomeReplicate();
        pr.Next = 1;

        p.Raft.SendAppend(2);
        Message m = Assert.Single(p.ReadMessages());

        // The first entry (the empty one, 24 bytes) plus one 32-byte entry fit; the next would exceed 64.
        Assert.Equal(2, m.Entries.Length);
        Assert.True(m.Entries.Sum(e => e.SizeBytes) <= 64);
    }

    [Fact]
    public void LargeSingleEntryIsStillSent()
    {
        TestPeer p = LeaderOf2(maxSize: 1);
        p.Raft.SendAppend(2);
        Message m = Assert.Single(p.ReadMessages());
        Assert.Single(m.Entries);
    }

    [Fact]
    public void RejectHintSkipsAWholeTermInOneRoundTrip()
    {
        // Leader: terms 1..1 then 5 x 100; follower diverged with 100 entries of term 3 after index 1.
        ulong[] leaderTerms = [1, .. Enumerable.Repeat(5UL, 100)];
        ulong[] followerTerms = [1, .. Enumerable.Repeat(3UL, 100)];
        TestPeer leader = TestPeer.WithLog(1, [1, 2, 3], leaderTerms, term: 5);
        TestPeer follower = TestPeer.WithLog(2, [1, 2, 3], followerTerms, term: 5);
        var n = new Network(leader, follower, null);
        int rejections = 0;
        n.Ignore(MessageType.MsgAppend);
        n.Send(Network.Hup(1));
        Assert.Equal(StateRole.Leader, leader.Raft.State);
        Assert.NotEqual(leader.AllEntries(), follower.AllEntries());

        // Count the rejections the follower sends while being repaired.
        Progress pr = leader.Raft.Tracker.Progress.Get(2)!;
        pr.BecomeProbe();
        pr.Next = leader.Raft.RaftLog.LastIndex() + 1;
        leader.Raft.SendAppend(2);
        var queue = new Queue<Message>(leader.ReadMessages());
        while (queue.Count > 0)
        {
            Message m = queue.Dequeue();
            TestPeer target = n.Peers[m.To];
            target.Step(m);
            foreach (Message o in target.ReadMessages())
            {
                if (o.Type == MessageType.MsgAppendResponse && o.Reject)
                {
                    rejections++;
                }

                if (o.To is 1 or 2)
                {
                    queue.Enqueue(o);
                }
            }
        }

        Assert.Equal(leader.AllEntries(), follower.AllEntries());

        // One rejection reveals the follower's last term (3); the leader has no term-3 entries, so it probes at
        // the entry before them and matches: without the hint this would take ~100 round trips.
        Assert.InRange(rejections, 1, 2);
    }

    [Fact]
    public void UnreachableFollowerIsProbed()
    {
        TestPeer p = LeaderOf2();
        Progress pr = p.Raft.Tracker.Progress.Get(2)!;
        pr.BecomeReplicate();
        p.Step(new Message { From = 2, To = 1, Type = MessageType.MsgUnreachable });
        Assert.Equal(ProgressState.Probe, pr.State);
    }

    [Fact]
    public void HeartbeatAnswerFreesAStalledWindow()
    {
        TestPeer p = LeaderOf2(maxInflight: 1);
        Progress pr = p.Raft.Tracker.Progress.Get(2)!;
        pr.BecomeReplicate();
        p.Step(Prop("a"));
        p.ReadMessages();
        Assert.True(pr.IsPaused);

        // The append was lost: without freeing a slot on the heartbeat answer, replication would stall forever.
        p.Step(new Message { From = 2, To = 1, Type = MessageType.MsgHeartbeatResponse, Term = p.Raft.Term });
        Assert.Contains(p.ReadMessages(), m => m.Type == MessageType.MsgAppend);
    }
}
