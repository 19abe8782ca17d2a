namespace ManagedKv.Raft.Tests;

/// <summary>Pre-vote (thesis §9.6) and check quorum / leader lease (thesis §6.2, §4.2.3).</summary>
public sealed class PreVoteAndCheckQuorumTests
{
    private static void ElectOne(Network n)
    {
        n.Send(Network.Hup(1));
        Assert.Equal(StateRole.Leader, n[1].State);
    }

    private static void TickUntilCampaign(Network n, ulong id)
    {
        RaftCore r = n[id];
        r.SetRandomizedElectionTimeout(r.ElectionTimeout);
        n.Tick(id, r.ElectionTimeout);
    }

    [Fact]
    public void PreVotePreventsARejoiningNodeFromDisruptingTheLeader()
    {
        Network n = Network.Create(3, c => c.PreVote = true);
        ElectOne(n);
        ulong term = n[1].Term;

        // 3 is partitioned and keeps timing out: as a pre-candidate it never raises its term.
        n.Isolate(3);
        for (int i = 0; i < 5; i++)
        {
            TickUntilCampaign(n, 3);
        }

        Assert.Equal(StateRole.PreCandidate, n[3].State);
        Assert.Equal(term, n[3].Term);

        // When it rejoins, the leader is undisturbed and 3 follows it again.
        n.Recover();
        n.Send(Network.Beat(1));
        n.Send(Network.Prop(1));
        Assert.Equal(StateRole.Leader, n[1].State);
        Assert.Equal(term, n[1].Term);
        Assert.Equal(StateRole.Follower, n[3].State);
        Assert.Equal(n[1].RaftLog.Committed, n[3].RaftLog.Committed);
    }

    [Fact]
    public void WithoutPreVoteARejoiningNodeDisruptsTheLeader()
    {
        // The contrast case: the rejoining node's higher term makes the leader step down.
        Network n = Network.Create(3);
        ElectOne(n);
        ulong term = n[1].Term;
        n.Isolate(3);
        TickUntilCampaign(n, 3);
        TickUntilCampaign(n, 3);
        Assert.Equal(term + 2, n[3].Term);

        // Its next campaign reaches the leader with a higher term and deposes it.
        n.Recover();
        n.Send(Network.Hup(3));
        Assert.NotEqual(StateRole.Leader, n[1].State);
        Assert.True(n[1].Term > term);
    }

    [Fact]
    public void PreVoteIsGrantedWithoutChangingTheVotersTerm()
    {
        Network n = Network.Create(3, c => c.PreVote = true);
        n.Send(Network.Hup(1));

        // The pre-vote round succeeded and only the real election raised terms to 1.
        Assert.Equal(StateRole.Leader, n[1].State);
        Assert.All(n.Peers.Values, p => Assert.Equal(1UL, p.Raft.Term));
    }

    [Fact]
    public void PreCandidateLosesWhenAQuorumHasANewerLog()
    {
        Network n = Network.Create(3, c => c.PreVote = true);
        ElectOne(n);
        n.Isolate(3);
        n.Send(Network.Prop(1));
        n.Recover();

        // 3's log is behind the others': they reject its pre-vote, so 3 stays in its term as a follower.
        ulong term = n[3].Term;
        n.Send(Network.Hup(3));
        Assert.Equal(StateRole.Follower, n[3].State);
        Assert.Equal(term, n[3].Term);
    }

    [Fact]
    public void CheckQuorumLeaderStepsDownWithoutQuorum()
    {
        Network n = Network.Create(3, c => c.CheckQuorum = true);
        ElectOne(n);
        n.Isolate(1);

        // The first check still sees the followers' answers from before the partition; the second does not.
        n.Tick(1, n[1].ElectionTimeout);
        Assert.Equal(StateRole.Leader, n[1].State);
        n.Tick(1, n[1].ElectionTimeout);

        Assert.Equal(StateRole.Follower, n[1].State);
        Assert.Equal(0UL, n[1].Lead);
    }

    [Fact]
    public void CheckQuorumLeaderStaysWithQuorum()
    {
        Network n = Network.Create(3, c => c.CheckQuorum = true);
        ElectOne(n);
        n.Isolate(3);

        for (int i = 0; i < 3 * n[1].ElectionTimeout; i++)
        {
            n.Tick(1);
        }

        Assert.Equal(StateRole.Leader, n[1].State);
    }

    [Fact]
    public void CheckQuorumFollowerInLeaseIgnoresVoteRequests()
    {
        Network n = Network.Create(3, c => c.CheckQuorum = true);
        ElectOne(n);
        ulong term = n[1].Term;

        // 3 campaigns while 2 still hears from the leader: 2 ignores it, the leader is unaffected.
        n.Send(Network.Hup(3));
        Assert.Equal(StateRole.Candidate, n[3].State);
        Assert.Equal(term, n[2].Term);
        Assert.Equal(StateRole.Leader, n[1].State);

        // Once 2's lease expired (no leader heard for an election timeout) it votes.
        n.Isolate(1);
        n[2].ElectionElapsed = n[2].ElectionTimeout;
        n.Send(Network.Hup(3));
        Assert.Equal(StateRole.Leader, n[3].State);
    }

    [Fact]
    public void StaleLeaderLearnsNewTermFromAppendAnswerWithCheckQuorum()
    {
        Network n = Network.Create(3, c => c.CheckQuorum = true);
        ElectOne(n);
        n.Isolate(1);
        n[2].ElectionElapsed = n[2].ElectionTimeout;
        n[3].ElectionElapsed = n[3].ElectionTimeout;
        n.Send(Network.Hup(2));
        Assert.Equal(StateRole.Leader, n[2].State);

        // The old leader's heartbeat is answered with the new term, so it steps down.
        n.Recover();
        n.Send(Network.Beat(1));
        Assert.Equal(StateRole.Follower, n[1].State);
        Assert.Equal(n[2].Term, n[1].Term);
    }
}
