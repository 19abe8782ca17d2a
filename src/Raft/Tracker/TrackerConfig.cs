namespace ManagedKv.Raft;

/// <summary>
/// The membership configuration the leader tracks: joint voters, learners and the learners that appear when a
/// joint configuration is left (etcd's tracker.Config). Immutable; changes build a new instance.
/// Invariant: learners and voters are disjoint; <see cref="LearnersNext"/> are outgoing voters only.
/// </summary>
internal sealed class TrackerConfig
{
    public static readonly TrackerConfig Empty = new(new JointConfig(MajorityConfig.Empty, MajorityConfig.Empty), [], [], false);

    public TrackerConfig(JointConfig voters, ulong[] learners, ulong[] learnersNext, bool autoLeave)
    {
        Voters = voters;
        Learners = learners;
        LearnersNext = learnersNext;
        AutoLeave = autoLeave;
    }

    public JointConfig Voters { get; }

    /// <summary>Sorted.</summary>
    public ulong[] Learners { get; }

    /// <summary>Sorted.</summary>
    public ulong[] LearnersNext { get; }

    public bool AutoLeave { get; }

    public ConfState ToConfState() =>
        new(Voters.Incoming.ToArray(), Learners, Voters.Outgoing.ToArray(), LearnersNext, AutoLeave);

    public override string ToString() =>
        $"voters={Voters} learners=[{string.Join(" ", Learners)}] learnersNext=[{string.Join(" ", LearnersNext)}] autoLeave={AutoLeave}";
}
