namespace ManagedKv.Raft.Tests;

/// <summary>Linearizable reads (thesis §6.4): safe ReadIndex, lease-based reads, forwarding from followers.</summary>
public sealed class ReadIndexTests
{
    private static Message ReadIndex(ulong id, string ctx) =>
        new() { From = id, To = id, Type = MessageType.MsgReadIndex, Context = System.Text.Encoding.UTF8.GetBytes(ctx) };

    private static ReadState TakeSingle(RaftCore r)
    {
        ReadState rs = Assert.Single(r.ReadStates);
        r.ReadStates.Clear();
        return rs;
    }

    [Theory]
    [InlineData(ReadOnlyOption.Safe)]
    [InlineData(ReadOnlyOption.LeaseBased)]
    public void LeaderAndFollowersGetTheCommitIndex(ReadOnlyOption option)
    {
        Network n = Network.Create(3, c =>
        {
            c.ReadOnlyOption = option;
            c.CheckQuorum = true;
        });
        n.Send(Network.Hup(1));
        n.Send(Network.Prop(1));
        ulong committed = n[1].RaftLog.Committed;

        n.StepLocal(1, ReadIndex(1, "ctx1"));
        ReadState rs = TakeSingle(n[1]);
        Assert.Equal(committed, rs.Index);
        Assert.Equal("ctx1"u8.ToArray(), rs.RequestContext.ToArray());

        // A follower forwards to the leader and gets the answer back.
        n.StepLocal(2, ReadIndex(2, "ctx2"));
        rs = TakeSingle(n[2]);
        Assert.Equal(committed, rs.Index);
        Assert.Equal("ctx2"u8.ToArray(), rs.RequestContext.ToArray());
    }

    [Fact]
    public void SafeReadWaitsForHeartbeatQuorum()
    {
        Network n = Network.Create(3);
        n.Send(Network.Hup(1));
        n.Isolate(1);

        // A partitioned leader cannot confirm it is still leader: no answer.
        n.StepLocal(1, ReadIndex(1, "ctx"));
        Assert.Empty(n[1].ReadStates);

        // Once a follower acknowledges the heartbeat carrying the context, the read is answered.
        n.Recover();
        n.Send(Network.Beat(1));
        Assert.Equal(n[1].RaftLog.Committed, TakeSingle(n[1]).Index);
    }

    [Fact]
    public void ReadBeforeCommitInTermIsDeferred()
    {
        Network n = Network.Create(3);
        n.Ignore(MessageType.MsgAppend);
        n.Send(Network.Hup(1));
        Assert.Equal(StateRole.Leader, n[1].State);

        // The new leader does not know the commit index until its first entry commits (thesis §6.4 step 1).
        n.StepLocal(1, ReadIndex(1, "early"));
        Assert.Empty(n[1].ReadStates);

        n.Recover();
        n.Send(Network.Beat(1));
        n.Send(Network.Prop(1));
        // Released when the leader's empty entry (index 1) committed.
        ReadState rs = Assert.Single(n[1].ReadStates, rs => rs.RequestContext.Span.SequenceEqual("early"u8));
        Assert.Equal(1UL, rs.Index);
    }

    [Fact]
    public void LeaseReadIsRefusedOnceTheLeaderLostQuorum()
    {
        Network n = Network.Create(3, c =>
        {
            c.ReadOnlyOption = ReadOnlyOption.LeaseBased;
            c.CheckQuorum = true;
        });
        n.Send(Network.Hup(1));
        n.Send(Network.Prop(1));
        n.Isolate(1);

        // Check quorum makes the isolated leader step down after an election timeout; it then serves no reads.
        n.Tick(1, 2 * n[1].ElectionTimeout);
        Assert.Equal(StateRole.Follower, n[1].State);
        n.StepLocal(1, ReadIndex(1, "ctx"));
        Assert.Empty(n[1].ReadStates);
    }

    [Fact]
    public void LeaseBasedRequiresCheckQuorum()
    {
        var config = new RaftConfig { Id = 1, ReadOnlyOption = ReadOnlyOption.LeaseBased };
        Assert.Throws<ArgumentException>(config.Validate);
    }

    [Fact]
    public void SingleVoterAnswersAtOnce()
    {
        TestPeer p = TestPeer.Create(1, [1]);
        p.Step(Network.Hup(1));
        p.ReadMessages();
        p.Step(ReadIndex(1, "x"));
        Assert.Equal(1UL, TakeSingle(p.Raft).Index);
    }
}
