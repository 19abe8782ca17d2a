namespace ManagedKv.Raft;

/// <summary>
/// The leader's view of one follower's log (Raft §5.3 nextIndex/matchIndex plus etcd's flow control).
/// Only the leader uses it; not thread-safe.
/// Invariant: <see cref="Match"/> &lt; <see cref="Next"/>.
/// </summary>
public sealed class Progress
{
    internal Progress(ulong next, int maxInflight, bool isLearner)
    {
        Next = next;
        Inflights = new Inflights(maxInflight);
        IsLearner = isLearner;
    }

    /// <summary>The highest index known to be replicated on the follower.</summary>
    public ulong Match { get; internal set; }

    /// <summary>The next index to send.</summary>
    public ulong Next { get; internal set; }

    /// <summary>The replication state.</summary>
    public ProgressState State { get; internal set; }

    /// <summary>In <see cref="ProgressState.Snapshot"/>: the index of the snapshot being sent.</summary>
    public ulong PendingSnapshot { get; internal set; }

    /// <summary>Whether the follower was heard from since the last check-quorum round.</summary>
    public bool RecentActive { get; internal set; }

    /// <summary>Whether the follower is a learner.</summary>
    public bool IsLearner { get; internal set; }

    /// <summary>Probe: a message is outstanding. Replicate: the inflight window is full.</summary>
    internal bool MsgAppFlowPaused { get; set; }

    internal Inflights Inflights { get; private set; }

    internal Progress Clone()
    {
        var copy = (Progress)MemberwiseClone();
        return copy;
    }

    internal void ResetState(ProgressState state)
    {
        MsgAppFlowPaused = false;
        PendingSnapshot = 0;
        State = state;
        Inflights.Reset();
    }

    internal void BecomeProbe()
    {
        // After a snapshot, probe from just past it; otherwise restart right after the match point.
        if (State == ProgressState.Snapshot)
        {
            ulong pending = PendingSnapshot;
            ResetState(ProgressState.Probe);
            Next = Math.Max(Match + 1, pending + 1);
        }
        else
        {
            ResetState(ProgressState.Probe);
            Next = Match + 1;
        }
    }

    internal void BecomeReplicate()
    {
        ResetState(ProgressState.Replicate);
        Next = Match + 1;
    }

    internal void BecomeSnapshot(ulong snapshotIndex)
    {
        ResetState(ProgressState.Snapshot);
        PendingSnapshot = snapshotIndex;
    }

    /// <summary>Records that a MsgAppend with <paramref name="entries"/> entries was sent.</summary>
    internal void SentEntries(int entries)
    {
        switch (State)
        {
            case ProgressState.Replicate:
                if (entries > 0)
                {
                    Next += (ulong)entries;
                    Inflights.Add(Next - 1);
                }

                MsgAppFlowPaused = Inflights.Full;
                break;
            case ProgressState.Probe:
                // One probe at a time: wait for its answer (or a heartbeat answer) before the next.
                MsgAppFlowPaused = true;
                break;
            default:
                throw new InvalidOperationException($"sending entries in progress state {State}");
        }
    }

    /// <summary>Raises <see cref="Match"/> after an acknowledgement; false if the ack is stale.</summary>
    internal bool MaybeUpdate(ulong n)
    {
        if (n <= Match)
        {
            Next = Math.Max(Next, n + 1);
            return false;
        }

        Match = n;
        Next = Math.Max(Next, n + 1);
        MsgAppFlowPaused = false;
        return true;
    }

    /// <summary>
    /// Handles a rejected MsgAppend for index <paramref name="rejected"/>; <paramref name="matchHint"/> is the
    /// leader's guess of the follower's match point from the reject hint. False if the rejection is stale.
    /// </summary>
    internal bool MaybeDecrTo(ulong rejected, ulong matchHint)
    {
        if (State == ProgressState.Replicate)
        {
            // A rejection below the match point is stale (reordered).
            if (rejected <= Match)
            {
                return false;
            }

            Next = Match + 1;
            return true;
        }

        // Probe (or Snapshot): only the answer to the current probe counts.
        if (Next - 1 != rejected)
        {
            return false;
        }

        Next = Math.Max(Math.Min(rejected, matchHint + 1), Match + 1);
        MsgAppFlowPaused = false;
        return true;
    }

    /// <summary>Whether sending MsgAppend to this follower is currently throttled.</summary>
    internal bool IsPaused => State switch
    {
        ProgressState.Probe => MsgAppFlowPaused,
        ProgressState.Replicate => MsgAppFlowPaused,
        _ => true,
    };

    /// <inheritdoc/>
    public override string ToString() =>
        $"{State} match={Match} next={Next}{(IsLearner ? " learner" : string.Empty)}{(State == ProgressState.Snapshot ? $" pendingSnap={PendingSnapshot}" : string.Empty)} inflight={Inflights.Count}";
}
