namespace ManagedKv.Raft;

/// <summary>
/// Computes the configuration and progress map that result from a <see cref="ConfChangeV2"/> (etcd's
/// confchange.Changer). Works on copies: the tracker is untouched until the caller installs the result, so a
/// rejected change leaves no trace.
/// </summary>
internal sealed class Changer
{
    private readonly ProgressTracker _tracker;
    private readonly ulong _lastIndex;

    public Changer(ProgressTracker tracker, ulong lastIndex)
    {
        _tracker = tracker;
        _lastIndex = lastIndex;
    }

    /// <summary>Enters a joint configuration: the outgoing half is the current voters, the changes apply to the
    /// incoming half.</summary>
    /// <exception cref="ArgumentException">Already joint, no voters, or the changes remove all voters.</exception>
    public (TrackerConfig Config, ProgressMap Progress) EnterJoint(bool autoLeave, ConfChangeSingle[] changes)
    {
        TrackerConfig cfg = _tracker.Config;
        if (cfg.Voters.IsJoint)
        {
            throw new ArgumentException("configuration is already joint");
        }

        if (cfg.Voters.Incoming.Count == 0)
        {
            throw new ArgumentException("can't make a zero-voter configuration joint");
        }

        var state = new State(cfg, _tracker.Progress.Clone(), _tracker.MaxInflight, _lastIndex);
        state.Outgoing = cfg.Voters.Incoming;
        state.Apply(changes);
        state.AutoLeave = autoLeave;
        return state.Build();
    }

    /// <summary>Leaves a joint configuration: outgoing voters not in the incoming half are dropped, and
    /// <c>LearnersNext</c> become learners.</summary>
    /// <exception cref="ArgumentException">Not joint.</exception>
    public (TrackerConfig Config, ProgressMap Progress) LeaveJoint()
    {
        TrackerConfig cfg = _tracker.Config;
        if (!cfg.Voters.IsJoint)
        {
            throw new ArgumentException("can't leave a non-joint configuration");
        }

        var state = new State(cfg, _tracker.Progress.Clone(), _tracker.MaxInflight, _lastIndex);
        foreach (ulong id in cfg.LearnersNext)
        {
            state.Learners.Add(id);
            state.Progress.Get(id)!.IsLearner = true;
        }

        state.LearnersNext.Clear();
        foreach (ulong id in cfg.Voters.Outgoing.Ids)
        {
            if (!state.Incoming.Contains(id) && !state.Learners.Contains(id))
            {
                state.Progress.Remove(id);
            }
        }

        state.Outgoing = MajorityConfig.Empty;
        state.AutoLeave = false;
        return state.Build();
    }

    /// <summary>Applies changes that alter at most one voter, without joint consensus (Raft §4.1 of the thesis).</summary>
    /// <exception cref="ArgumentException">Joint, more than one voter changed, or all voters removed.</exception>
    public (TrackerConfig Config, ProgressMap Progress) Simple(ConfChangeSingle[] changes)
    {
        TrackerConfig cfg = _tracker.Config;
        if (cfg.Voters.IsJoint)
        {
            throw new ArgumentException("can't apply a simple configuration change in a joint configuration");
        }

        var state = new State(cfg, _tracker.Progress.Clone(), _tracker.MaxInflight, _lastIndex);
        state.Apply(changes);
        int diff = 0;
        foreach (ulong id in cfg.Voters.Incoming.Ids)
        {
            if (!state.Incoming.Contains(id))
            {
                diff++;
            }
        }

        foreach (ulong id in state.Incoming.Ids)
        {
            if (!cfg.Voters.Incoming.Contains(id))
            {
                diff++;
            }
        }

        if (diff > 1)
        {
            throw new ArgumentException("more than one voter changed without entering joint config");
        }

        return state.Build();
    }

    /// <summary>The mutable working copy of a configuration.</summary>
    private sealed class State
    {
        private readonly int _maxInflight;
        private readonly ulong _lastIndex;

        public State(TrackerConfig cfg, ProgressMap progress, int maxInflight, ulong lastIndex)
        {
            Incoming = cfg.Voters.Incoming;
            Outgoing = cfg.Voters.Outgoing;
            Learners = new SortedSet<ulong>(cfg.Learners);
            LearnersNext = new SortedSet<ulong>(cfg.LearnersNext);
            AutoLeave = cfg.AutoLeave;
            Progress = progress;
            _maxInflight = maxInflight;
            _lastIndex = lastIndex;
        }

        public MajorityConfig Incoming { get; set; }

        public MajorityConfig Outgoing { get; set; }

        public SortedSet<ulong> Learners { get; }

        public SortedSet<ulong> LearnersNext { get; }

        public bool AutoLeave { get; set; }

        public ProgressMap Progress { get; }

        public void Apply(ConfChangeSingle[] changes)
        {
            foreach (ConfChangeSingle cc in changes)
            {
                if (cc.NodeId == 0)
                {
                    continue;
                }

                switch (cc.Type)
                {
                    case ConfChangeType.AddNode:
                        MakeVoter(cc.NodeId);
                        break;
                    case ConfChangeType.AddLearnerNode:
                        MakeLearner(cc.NodeId);
                        break;
                    case ConfChangeType.RemoveNode:
                        Remove(cc.NodeId);
                        break;
                    case ConfChangeType.UpdateNode:
                        break;
                    default:
                        throw new ArgumentException($"unknown conf change type {cc.Type}");
                }
            }

            if (Incoming.Count == 0)
            {
                throw new ArgumentException("removed all voters");
            }
        }

        public (TrackerConfig, ProgressMap) Build()
        {
            var cfg = new TrackerConfig(new JointConfig(Incoming, Outgoing), [.. Learners], [.. LearnersNext], AutoLeave);
            CheckInvariants(cfg);
            return (cfg, Progress);
        }

        private void MakeVoter(ulong id)
        {
            Progress? pr = Progress.Get(id);
            if (pr is null)
            {
                InitProgress(id, isLearner: false);
                return;
            }

            pr.IsLearner = false;
            Learners.Remove(id);
            LearnersNext.Remove(id);
            Incoming = Incoming.With(id);
        }

        private void MakeLearner(ulong id)
        {
            Progress? pr = Progress.Get(id);
            if (pr is null)
            {
                InitProgress(id, isLearner: true);
                return;
            }

            if (pr.IsLearner)
            {
                return;
            }

            // Remove the voter from the incoming half but keep its progress.
            Remove(id);
            Progress.Set(id, pr);

            // A voter still in the outgoing half becomes a learner only when the joint configuration is left.
            if (Outgoing.Contains(id))
            {
                LearnersNext.Add(id);
            }
            else
            {
                pr.IsLearner = true;
                Learners.Add(id);
            }
        }

        private void Remove(ulong id)
        {
            if (!Progress.Contains(id))
            {
                return;
            }

            Incoming = Incoming.Without(id);
            Learners.Remove(id);
            LearnersNext.Remove(id);

            // An outgoing voter keeps its progress until the joint configuration is left.
            if (!Outgoing.Contains(id))
            {
                Progress.Remove(id);
            }
        }

        private void InitProgress(ulong id, bool isLearner)
        {
            if (isLearner)
            {
                Learners.Add(id);
            }
            else
            {
                Incoming = Incoming.With(id);
            }

            // Probe from the last index: a new node is caught up by probing down (or by a snapshot).
            Progress.Set(id, new Progress(Math.Max(_lastIndex, 1), _maxInflight, isLearner) { RecentActive = true });
        }

        private void CheckInvariants(TrackerConfig cfg)
        {
            foreach (ulong id in cfg.Voters.Ids())
            {
                if (!Progress.Contains(id))
                {
                    throw new InvalidOperationException($"no progress for voter {id}");
                }
            }

            foreach (ulong id in cfg.Learners)
            {
                if (Progress.Get(id) is not { IsLearner: true })
                {
                    throw new InvalidOperationException($"learner {id} has no learner progress");
                }

                if (cfg.Voters.Contains(id))
                {
                    throw new InvalidOperationException($"{id} is both learner and voter");
                }
            }

            foreach (ulong id in cfg.LearnersNext)
            {
                if (!cfg.Voters.Outgoing.Contains(id) || Progress.Get(id) is not { IsLearner: false })
                {
                    throw new InvalidOperationException($"learnerNext {id} is not an outgoing voter");
                }
            }

            if (!cfg.Voters.IsJoint && (cfg.LearnersNext.Length > 0 || cfg.AutoLeave))
            {
                throw new InvalidOperationException("non-joint configuration with LearnersNext or AutoLeave");
            }
        }
    }
}
