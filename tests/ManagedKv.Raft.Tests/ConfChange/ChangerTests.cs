namespace ManagedKv.Raft.Tests;

/// <summary>Configuration changes (thesis §4): simple changes, joint consensus, learners (etcd's confchange tests).</summary>
public sealed class ChangerTests
{
    private static RaftCore Core(ConfState cs)
    {
        var storage = new MemoryRaftStorage(cs);
        return new RaftCore(new RaftConfig { Id = cs.Voters.Length > 0 ? cs.Voters[0] : 1 }, storage);
    }

    private static ConfState Apply(RaftCore r, ConfChangeTransition t, params ConfChangeSingle[] changes) =>
        r.ApplyConfChange(new ConfChangeV2(t, changes));

    private static ConfChangeSingle Add(ulong id) => new(ConfChangeType.AddNode, id);

    private static ConfChangeSingle Remove(ulong id) => new(ConfChangeType.RemoveNode, id);

    private static ConfChangeSingle Learner(ulong id) => new(ConfChangeType.AddLearnerNode, id);

    [Fact]
    public void SimpleChangesAddAndRemoveOneVoter()
    {
        RaftCore r = Core(new ConfState(1));
        Assert.Equal(new ConfState(1, 2), Apply(r, ConfChangeTransition.Auto, Add(2)));
        Assert.Equal(new ConfState([1, 2], [3], [], [], false), Apply(r, ConfChangeTransition.Auto, Learner(3)));

        // Promoting a learner and adding it again are idempotent steps.
        Assert.Equal(new ConfState(1, 2, 3), Apply(r, ConfChangeTransition.Auto, Add(3)));
        Assert.Equal(new ConfState(1, 2, 3), Apply(r, ConfChangeTransition.Auto, Add(3)));
        Assert.Equal(new ConfState(1, 3), Apply(r, ConfChangeTransition.Auto, Remove(2)));
        Assert.Null(r.Tracker.Progress.Get(2));
    }

    [Fact]
    public void SimpleChangeOfTwoVotersIsRefused()
    {
        RaftCore r = Core(new ConfState(1));
        var cc = new ConfChangeV2(ConfChangeTransition.Auto, [Add(2), Add(3)]);

        // Auto with several changes enters a joint configuration instead.
        ConfState cs = r.ApplyConfChange(cc);
        Assert.True(cs.IsJoint);
        Assert.True(cs.AutoLeave);

        // Applying a non-joint change while joint is refused, and the configuration is unchanged.
        Assert.Throws<ArgumentException>(() => Apply(r, ConfChangeTransition.Auto, Add(4)));
        Assert.Equal(cs, r.Tracker.ConfState());
    }

    [Fact]
    public void RemovingAllVotersIsRefused()
    {
        RaftCore r = Core(new ConfState(1));
        Assert.Throws<ArgumentException>(() => Apply(r, ConfChangeTransition.Auto, Remove(1)));
        Assert.Equal(new ConfState(1), r.Tracker.ConfState());
    }

    [Fact]
    public void EnterAndLeaveJoint()
    {
        RaftCore r = Core(new ConfState(1, 2, 3));
        ConfState joint = Apply(r, ConfChangeTransition.JointExplicit, Add(4), Remove(1), Learner(5));
        Assert.Equal(new ConfState([2, 3, 4], [5], [1, 2, 3], [], false), joint);

        // The outgoing voter 1 keeps its progress until the joint configuration is left.
        Assert.NotNull(r.Tracker.Progress.Get(1));
        Assert.Throws<ArgumentException>(() => Apply(r, ConfChangeTransition.JointExplicit, Add(6)));

        ConfState left = r.ApplyConfChange(ConfChangeV2.LeaveJointChange());
        Assert.Equal(new ConfState([2, 3, 4], [5], [], [], false), left);
        Assert.Null(r.Tracker.Progress.Get(1));
        Assert.Throws<ArgumentException>(() => r.ApplyConfChange(ConfChangeV2.LeaveJointChange()));
    }

    [Fact]
    public void DemotingAnOutgoingVoterUsesLearnersNext()
    {
        RaftCore r = Core(new ConfState(1, 2, 3));
        ConfState joint = Apply(r, ConfChangeTransition.JointImplicit, Learner(3));
        Assert.Equal(new ConfState([1, 2], [], [1, 2, 3], [3], true), joint);
        Assert.False(r.Tracker.Progress.Get(3)!.IsLearner);

        ConfState left = r.ApplyConfChange(ConfChangeV2.LeaveJointChange());
        Assert.Equal(new ConfState([1, 2], [3], [], [], false), left);
        Assert.True(r.Tracker.Progress.Get(3)!.IsLearner);
    }

    [Fact]
    public void ConfChangeEncodingRoundTrips()
    {
        var cc = new ConfChangeV2(ConfChangeTransition.JointExplicit, [Add(300), Remove(1), Learner(70000)], "ctx"u8.ToArray());
        ConfChangeV2 back = ConfChangeV2.Decode(cc.Encode());
        Assert.Equal(cc.Transition, back.Transition);
        Assert.Equal(cc.Changes, back.Changes);
        Assert.Equal("ctx"u8.ToArray(), back.Context.ToArray());
        Assert.Empty(ConfChangeV2.LeaveJointChange().Encode());
        Assert.True(ConfChangeV2.Decode([]).IsLeaveJoint);
        Assert.Throws<FormatException>(() => ConfChangeV2.Decode([9, 0, 0, 0]));
        Assert.Throws<FormatException>(() => ConfChangeV2.Decode([1, 0, 5]));
    }
}
