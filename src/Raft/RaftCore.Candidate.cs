namespace ManagedKv.Raft;

/// <summary>Elections: starting a campaign, counting votes, and the (pre-)candidate's message handling.</summary>
internal sealed partial class RaftCore
{
    private void Hup(CampaignType type)
    {
        if (State == StateRole.Leader)
        {
            return;
        }

        if (!Promotable)
        {
            return;
        }

        // A configuration change that is committed but not applied could change who may vote.
        if (HasUnappliedConfChanges())
        {
            return;
        }

        Campaign(type);
    }

    /// <summary>Raft §5.2: become (pre-)candidate, vote for ourselves and ask every voter.</summary>
    internal void Campaign(CampaignType type)
    {
        ulong term;
        MessageType voteType;
        if (type == CampaignType.PreElection)
        {
            BecomePreCandidate();
            voteType = MessageType.MsgRequestPreVote;

            // Pre-vote for the term we would campaign in, without raising ours.
            term = Term + 1;
        }
        else
        {
            BecomeCandidate();
            voteType = MessageType.MsgRequestVote;
            term = Term;
        }

        if (Poll(Id, true) == VoteResult.Won)
        {
            // A single-voter configuration wins at once.
            if (type == CampaignType.PreElection)
            {
                Campaign(CampaignType.Election);
            }
            else
            {
                BecomeLeader();
            }

            return;
        }

        ulong lastIndex = RaftLog.LastIndex();
        ulong lastTerm = RaftLog.LastTerm();
        foreach (ulong id in Tracker.Config.Voters.Ids())
        {
            if (id == Id)
            {
                continue;
            }

            Send(new Message
            {
                To = id,
                Term = term,
                Type = voteType,
                Index = lastIndex,
                LogTerm = lastTerm,
                Context = type == CampaignType.Transfer ? CampaignTransferContext : default,
            });
        }
    }

    private VoteResult Poll(ulong id, bool granted)
    {
        Tracker.RecordVote(id, granted);
        return Tracker.TallyVotes(out _, out _);
    }

    private RaftResult StepCandidate(Message m)
    {
        MessageType myVoteResponse = State == StateRole.PreCandidate
            ? MessageType.MsgRequestPreVoteResponse
            : MessageType.MsgRequestVoteResponse;
        switch (m.Type)
        {
            case MessageType.MsgPropose:
                return RaftResult.ProposalDropped;

            case MessageType.MsgAppend:
                // Raft §5.2: a candidate that hears from a leader of its term steps down.
                BecomeFollower(m.Term, m.From);
                HandleAppendEntries(m);
                break;

            case MessageType.MsgHeartbeat:
                BecomeFollower(m.Term, m.From);
                HandleHeartbeat(m);
                break;

            case MessageType.MsgSnapshot:
                BecomeFollower(m.Term, m.From);
                HandleSnapshot(m);
                break;

            case MessageType.MsgTimeoutNow:
                // Already campaigning.
                break;

            default:
                if (m.Type == myVoteResponse)
                {
                    if (MaybeCommitByVote(m))
                    {
                        break;
                    }

                    VoteResult result = Poll(m.From, !m.Reject);
                    if (result == VoteResult.Won)
                    {
                        if (State == StateRole.PreCandidate)
                        {
                            Campaign(CampaignType.Election);
                        }
                        else
                        {
                            BecomeLeader();
                            BroadcastAppend();
                        }
                    }
                    else if (result == VoteResult.Lost)
                    {
                        // A pre-candidate that lost keeps its term; a candidate stays in its new term.
                        BecomeFollower(Term, 0);
                    }
                }

                break;
        }

        return RaftResult.Ok;
    }

    /// <summary>
    /// Learns the commit index from a vote answer (raft-rs's maybe_commit_by_vote; etcd issue 12359). With
    /// configuration changes taking effect when applied, a candidate may hold a committed change it does not know is
    /// committed, and need votes under the old configuration from nodes that already left it: a demoted voter with a
    /// longer log refuses its vote and, being a learner now, never campaigns itself, so no election can succeed. If
    /// the voter's committed entry matches our log it is committed for us too; if that uncovers an unapplied
    /// configuration change, we step down to apply it and campaign again under the new configuration.
    /// Returns true when the candidate stepped down.
    /// </summary>
    private bool MaybeCommitByVote(Message m)
    {
        ulong before = RaftLog.Committed;
        if (m.Commit <= before || m.LogTerm == 0 || !RaftLog.MatchTerm(m.Commit, m.LogTerm))
        {
            return false;
        }

        RaftLog.CommitTo(m.Commit);
        if (!HasUnappliedConfChanges())
        {
            return false;
        }

        // Not needed for safety, but the election so far counted votes under a configuration about to change.
        BecomeFollower(Term, 0);
        return true;
    }
}
