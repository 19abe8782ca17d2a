namespace ManagedKv.Raft.Tests;

/// <summary>Membership changes end to end through <see cref="RawNode"/>: joint consensus, auto-leave, learners,
/// removing the leader (thesis §4).</summary>
public sealed class MembershipTests
{
    private static ConfChangeSingle Add(ulong id) => new(ConfChangeType.AddNode, id);

    private static ConfChangeSingle Remove(ulong id) => new(ConfChangeType.RemoveNode, id);

    [Fact]
    public void JointChangeWithAutoLeaveReplacesAVoter()
    {
        var c = new RawCluster([1, 2, 3]);
        c.Campaign(1);

        // The new member starts empty: it is caught up by a snapshot taken after the change that added it.
        c.Add(4, ConfState.Empty);
        c.Isolate(4);
        Assert.Equal(RaftResult.Ok, c.Nodes[1].ProposeConfChange(new ConfChangeV2(ConfChangeTransition.Auto, [Add(4), Remove(3)])));
        c.Settle();
        c.CompactAll();
        c.Heal();
        c.TickAll(2);

        // The leader entered the joint configuration, then left it by itself once that was applied.
        ConfState expected = new(2, 1, 4);
        Assert.Equal(expected, c.ConfStates[1]);
        Assert.Equal(expected, c.ConfStates[2]);
        Assert.Equal(expected, c.ConfStates[4]);
        Assert.Equal(2, c.Applied[1].Count(e => e.Type == EntryType.EntryConfChangeV2));
        Assert.Equal(c.Nodes[1].Status().Applied, c.Nodes[4].Status().Applied);

        // The new configuration commits without 3.
        c.Isolate(3);
        c.Nodes[1].Propose("after"u8.ToArray());
        c.Settle();
        Assert.Contains(c.Applied[4], e => e.Data.Span.SequenceEqual("after"u8));
    }

    [Fact]
    public void ExplicitJointStaysJointUntilLeft()
    {
        var c = new RawCluster([1, 2, 3]);
        c.Campaign(1);
        c.Nodes[1].ProposeConfChange(new ConfChangeV2(ConfChangeTransition.JointExplicit, [Remove(3)]));
        c.Settle();
        Assert.True(c.ConfStates[1].IsJoint);

        // Another change while joint is refused (turned into an empty entry); leaving works.
        c.Nodes[1].ProposeConfChange(new ConfChangeV2(ConfChangeTransition.Auto, [Add(5)]));
        c.Settle();
        Assert.True(c.ConfStates[1].IsJoint);
        c.Nodes[1].ProposeConfChange(ConfChangeV2.LeaveJointChange());
        c.Settle();
        Assert.Equal(new ConfState(1, 2), c.ConfStates[1]);
    }

    [Fact]
    public void OnlyOneConfChangeIsPendingAtATime()
    {
        var c = new RawCluster([1, 2, 3]);
        c.Campaign(1);
        c.Isolate(2);
        c.Isolate(3);

        // Without a quorum the first change cannot commit, so the second is replaced by an empty entry.
        c.Nodes[1].ProposeConfChange(ConfChangeV2.Simple(ConfChangeType.AddLearnerNode, 4));
        c.Nodes[1].ProposeConfChange(ConfChangeV2.Simple(ConfChangeType.AddLearnerNode, 5));
        c.Heal();
        c.Nodes[1].Propose("x"u8.ToArray());
        c.Settle();
        Assert.Equal(1, c.Applied[1].Count(e => e.Type == EntryType.EntryConfChangeV2));
        Assert.Equal([4UL], c.ConfStates[1].Learners);
    }

    [Fact]
    public void LeaderRemovedByJointChangeHandsOver()
    {
        var c = new RawCluster([1, 2, 3]);
        c.Campaign(1);
        c.Add(4, ConfState.Empty);
        c.Isolate(4);
        c.Nodes[1].ProposeConfChange(new ConfChangeV2(ConfChangeTransition.Auto, [Add(4), Remove(1)]));
        c.Settle();
        c.CompactAll();
        c.Heal();
        c.TickAll(2);

        // 1 led the change that removed it, then stepped down; it cannot campaign any more.
        Assert.Equal(new ConfState(2, 3, 4), c.ConfStates[2]);
        Assert.Equal(StateRole.Follower, c.Nodes[1].Status().SoftState.RaftState);
        Assert.Equal(RaftResult.ProposalDropped, c.Nodes[1].Propose("x"u8.ToArray()));

        // The remaining voters elect a leader among themselves and make progress.
        c.TickAll(40);
        RawNode leader = c.Leader();
        Assert.NotEqual(1UL, leader.Id);
        leader.Propose("y"u8.ToArray());
        c.Settle();
        foreach (ulong id in new ulong[] { 2, 3, 4 })
        {
            Assert.Contains(c.Applied[id], e => e.Data.Span.SequenceEqual("y"u8));
        }
    }

    [Fact]
    public void LearnerReplicatesButNeverVotesUntilPromoted()
    {
        var c = new RawCluster([1, 2], learners: [3]);
        c.Campaign(1);
        c.Nodes[1].Propose("x"u8.ToArray());
        c.Settle();
        Assert.Contains(c.Applied[3], e => e.Data.Span.SequenceEqual("x"u8));

        // A learner does not campaign, and its acknowledgement does not count towards commit.
        c.Nodes[3].Campaign();
        c.Settle();
        Assert.Equal(StateRole.Follower, c.Nodes[3].Status().SoftState.RaftState);
        c.Isolate(2);
        ulong before = c.Nodes[1].Status().HardState.Commit;
        c.Nodes[1].Propose("y"u8.ToArray());
        c.Settle();
        Assert.Equal(before, c.Nodes[1].Status().HardState.Commit);
        c.Heal();
        c.Settle();

        // Promote the learner; it can now win an election.
        c.Nodes[1].ProposeConfChange(ConfChangeV2.Simple(ConfChangeType.AddNode, 3));
        c.Settle();
        Assert.Equal(new ConfState(1, 2, 3), c.ConfStates[3]);
        c.Campaign(3);
        Assert.Equal(StateRole.Leader, c.Nodes[3].Status().SoftState.RaftState);
    }

    [Fact]
    public void LearnerTransferIsIgnored()
    {
        var c = new RawCluster([1, 2], learners: [3]);
        c.Campaign(1);
        c.Nodes[1].TransferLeader(3);
        c.Settle();
        Assert.Equal(0UL, c.Nodes[1].Status().LeadTransferee);
        Assert.Equal(StateRole.Leader, c.Nodes[1].Status().SoftState.RaftState);
    }
}
