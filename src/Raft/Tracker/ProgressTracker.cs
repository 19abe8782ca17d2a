namespace ManagedKv.Raft;

/// <summary>
/// Tracks the active configuration, each follower's <see cref="Progress"/> and the votes of the current
/// election (etcd's tracker.ProgressTracker). Owned by one <see cref="RaftCore"/>; not thread-safe.
/// </summary>
internal sealed class ProgressTracker
{
    private readonly Dictionary<ulong, bool> _scratch = new();

    public ProgressTracker(int maxInflight)
    {
        MaxInflight = maxInflight;
        Config = TrackerConfig.Empty;
        Progress = new ProgressMap();
        Votes = new Dictionary<ulong, bool>();
    }

    public int MaxInflight { get; }

    public TrackerConfig Config { get; set; }

    public ProgressMap Progress { get; set; }

    public Dictionary<ulong, bool> Votes { get; }

    public bool IsSingleton => Config.Voters.Incoming.Count == 1 && !Config.Voters.IsJoint;

    public ConfState ConfState() => Config.ToConfState();

    /// <summary>The largest index replicated on a quorum of voters.</summary>
    public ulong Committed() => Config.Voters.CommittedIndex(Progress);

    /// <summary>Whether a quorum of voters (counting <paramref name="self"/>) was recently active.</summary>
    public bool QuorumActive(ulong self)
    {
        _scratch.Clear();
        foreach (ulong id in Progress.Ids)
        {
            Progress pr = Progress.Get(id)!;
            if (!pr.IsLearner)
            {
                _scratch[id] = pr.RecentActive || id == self;
            }
        }

        return Config.Voters.VoteResult(_scratch) == VoteResult.Won;
    }

    public void ResetVotes() => Votes.Clear();

    public void RecordVote(ulong id, bool granted) => Votes.TryAdd(id, granted);

    public VoteResult TallyVotes(out int granted, out int rejected)
    {
        granted = 0;
        rejected = 0;
        foreach (ulong id in Progress.Ids)
        {
            Progress pr = Progress.Get(id)!;
            if (pr.IsLearner || !Votes.TryGetValue(id, out bool v))
            {
                continue;
            }

            if (v)
            {
                granted++;
            }
            else
            {
                rejected++;
            }
        }

        return Config.Voters.VoteResult(Votes);
    }
}
