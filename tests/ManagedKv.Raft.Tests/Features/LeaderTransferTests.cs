namespace ManagedKv.Raft.Tests;

/// <summary>Leadership transfer (thesis §3.10): catch-up, MsgTimeoutNow, abort on election timeout.</summary>
public sealed class LeaderTransferTests
{
    private static Message Transfer(ulong leader, ulong transferee) =>
        new() { From = transferee, To = leader, Type = MessageType.MsgTransferLeader };

    private static Network Elected(Action<RaftConfig>? configure = null)
    {
        Network n = Network.Create(3, configure);
        n.Send(Network.Hup(1));
        Assert.Equal(StateRole.Leader, n[1].State);
        return n;
    }

    [Fact]
    public void TransferToUpToDateFollower()
    {
        Network n = Elected();
        n.StepLocal(1, Transfer(1, 2));

        Assert.Equal(StateRole.Follower, n[1].State);
        Assert.Equal(StateRole.Leader, n[2].State);
        Assert.Equal(2UL, n[1].Lead);
        Assert.Equal(0UL, n[1].LeadTransferee);
    }

    [Fact]
    public void TransferWorksDespiteCheckQuorumLeases()
    {
        Network n = Elected(c => c.CheckQuorum = true);
        n.StepLocal(1, Transfer(1, 3));
        Assert.Equal(StateRole.Leader, n[3].State);
    }

    [Fact]
    public void TransferToLaggingFollowerCatchesItUpFirst()
    {
        Network n = Elected();
        n.Isolate(3);
        n.Send(Network.Prop(1));
        n.Send(Network.Prop(1));
        n.Recover();
        Assert.True(n[3].RaftLog.LastIndex() < n[1].RaftLog.LastIndex());

        // 3 is caught up by the leader, then told to campaign, and wins.
        n.Ignore(MessageType.MsgAppendResponse);
        n.StepLocal(1, Transfer(1, 3));
        Assert.Equal(3UL, n[1].LeadTransferee);
        Assert.Equal(RaftResult.ProposalDropped, n[1].Step(Network.Prop(1)));

        n.Recover();
        n.Send(Network.Beat(1));
        Assert.Equal(StateRole.Leader, n[3].State);
        Assert.Equal(n[3].RaftLog.LastIndex(), n[1].RaftLog.LastIndex());
    }

    [Fact]
    public void TransferAbortsAfterElectionTimeout()
    {
        Network n = Elected();
        n.Isolate(3);
        n.StepLocal(1, Transfer(1, 3));
        Assert.Equal(3UL, n[1].LeadTransferee);

        n.Tick(1, n[1].HeartbeatTimeout);
        Assert.Equal(3UL, n[1].LeadTransferee);
        n.Tick(1, n[1].ElectionTimeout);

        Assert.Equal(0UL, n[1].LeadTransferee);
        Assert.Equal(StateRole.Leader, n[1].State);
        Assert.Equal(RaftResult.Ok, n[1].Step(Network.Prop(1)));
    }

    [Fact]
    public void TransferToSelfOrUnknownIsIgnored()
    {
        Network n = Elected();
        n.StepLocal(1, Transfer(1, 1));
        Assert.Equal(0UL, n[1].LeadTransferee);
        n.StepLocal(1, Transfer(1, 9));
        Assert.Equal(0UL, n[1].LeadTransferee);
        Assert.Equal(StateRole.Leader, n[1].State);
    }

    [Fact]
    public void FollowerForwardsTransferRequest()
    {
        Network n = Elected();
        n.StepLocal(2, new Message { From = 2, To = 2, Type = MessageType.MsgTransferLeader });
        Assert.Equal(StateRole.Leader, n[2].State);
    }

    [Fact]
    public void SecondTransferReplacesFirst()
    {
        Network n = Elected();
        n.Isolate(3);
        n.StepLocal(1, Transfer(1, 3));
        Assert.Equal(3UL, n[1].LeadTransferee);
        n.StepLocal(1, Transfer(1, 2));
        Assert.Equal(StateRole.Leader, n[2].State);
    }
}
