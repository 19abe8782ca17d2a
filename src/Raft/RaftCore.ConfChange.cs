namespace ManagedKv.Raft;

/// <summary>Membership: applying configuration changes (thesis §4) and restoring a configuration.</summary>
internal sealed partial class RaftCore
{
    /// <summary>
    /// Applies a committed configuration change (a new configuration takes effect when applied, as in etcd) and
    /// returns the resulting configuration.
    /// </summary>
    /// <exception cref="ArgumentException">The change is invalid for the current configuration.</exception>
    public ConfState ApplyConfChange(ConfChangeV2 cc)
    {
        var changer = new Changer(Tracker, RaftLog.LastIndex());
        (TrackerConfig config, ProgressMap progress) result;
        if (cc.IsLeaveJoint)
        {
            result = changer.LeaveJoint();
        }
        else if (cc.EntersJoint(out bool autoLeave))
        {
            result = changer.EnterJoint(autoLeave, cc.Changes);
        }
        else
        {
            result = changer.Simple(cc.Changes);
        }

        return SwitchToConfig(result.config, result.progress);
    }

    private ConfState SwitchToConfig(TrackerConfig config, ProgressMap progress)
    {
        Tracker.Config = config;
        Tracker.Progress = progress;
        ConfState cs = Tracker.ConfState();
        Progress? self = progress.Get(Id);
        IsLearner = self is not null && self.IsLearner;

        if ((self is null || IsLearner) && State == StateRole.Leader)
        {
            if (!config.Voters.IsJoint)
            {
                // The leader is no longer a voter: step down so the remaining voters elect a leader at once
                // (etcd's StepDownOnRemoval). It led until the change that removed it was applied.
                BecomeFollower(Term, 0);
                return cs;
            }

            // Still an outgoing voter of a joint configuration: keep leading so the joint configuration can be left
            // (proposals are refused once its own progress is gone).
            return cs;
        }

        if (State != StateRole.Leader || cs.Voters.Length == 0)
        {
            return cs;
        }

        // The quorum may have changed: maybe commit, and make sure new followers are probed.
        if (MaybeCommit())
        {
            OnCommitAdvanced();
        }
        else
        {
            foreach (ulong id in Tracker.Progress.Ids)
            {
                if (id != Id)
                {
                    MaybeSendAppend(id, sendIfEmpty: false);
                }
            }
        }

        if (LeadTransferee != 0 && !Tracker.Config.Voters.Contains(LeadTransferee))
        {
            AbortLeaderTransfer();
        }

        return cs;
    }

    /// <summary>Installs <paramref name="cs"/> as the configuration with fresh progress for every member.</summary>
    private void RestoreConfState(ConfState cs)
    {
        var incoming = new MajorityConfig(cs.Voters);
        var outgoing = new MajorityConfig(cs.VotersOutgoing);
        var config = new TrackerConfig(new JointConfig(incoming, outgoing), cs.Learners, cs.LearnersNext, cs.AutoLeave);
        var progress = new ProgressMap();
        ulong next = RaftLog.LastIndex() + 1;
        foreach (ulong id in config.Voters.Ids())
        {
            progress.Set(id, new Progress(next, Tracker.MaxInflight, isLearner: false));
        }

        foreach (ulong id in cs.Learners)
        {
            if (progress.Contains(id))
            {
                throw new ArgumentException($"{id} is both voter and learner in {cs}");
            }

            progress.Set(id, new Progress(next, Tracker.MaxInflight, isLearner: true));
        }

        foreach (ulong id in cs.LearnersNext)
        {
            if (!outgoing.Contains(id))
            {
                throw new ArgumentException($"learnerNext {id} is not an outgoing voter in {cs}");
            }
        }

        if (outgoing.Count == 0 && (cs.LearnersNext.Length > 0 || cs.AutoLeave))
        {
            throw new ArgumentException($"non-joint configuration with LearnersNext or AutoLeave: {cs}");
        }

        SwitchToConfig(config, progress);
    }
}
