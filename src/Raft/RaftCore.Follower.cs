namespace ManagedKv.Raft;

/// <summary>The follower's message handling: appends, heartbeats, snapshots and forwarding to the leader.</summary>
internal sealed partial class RaftCore
{
    private RaftResult StepFollower(Message m)
    {
        switch (m.Type)
        {
            case MessageType.MsgPropose:
                return ForwardProposal(m.Entries.Span);

            case MessageType.MsgAppend:
                ElectionElapsed = 0;
                Lead = m.From;
                HandleAppendEntries(m);
                break;

            case MessageType.MsgHeartbeat:
                ElectionElapsed = 0;
                Lead = m.From;
                HandleHeartbeat(m);
                break;

            case MessageType.MsgSnapshot:
                ElectionElapsed = 0;
                Lead = m.From;
                HandleSnapshot(m);
                break;

            case MessageType.MsgTransferLeader:
                if (Lead != 0)
                {
                    // Forward a copy: the received message belongs to its sender.
                    Send(new Message { To = Lead, Type = MessageType.MsgTransferLeader });
                }

                break;

            case MessageType.MsgTimeoutNow:
                // Thesis §3.10: the leader asks us to campaign at once; leases are bypassed.
                Hup(CampaignType.Transfer);
                break;

            case MessageType.MsgReadIndex:
                if (Lead != 0)
                {
                    Send(new Message { To = Lead, Type = MessageType.MsgReadIndex, Context = m.Context });
                }

                break;

            case MessageType.MsgReadIndexResp:
                ReadStates.Add(new ReadState(m.Index, m.Context));
                break;
        }

        return RaftResult.Ok;
    }

    /// <summary>Raft §5.3 AppendEntries receiver.</summary>
    private void HandleAppendEntries(Message m)
    {
        if (m.Index < RaftLog.Committed)
        {
            Send(new Message { To = m.From, Type = MessageType.MsgAppendResponse, Index = RaftLog.Committed });
            return;
        }

        if (RaftLog.MaybeAppend(m.Index, m.LogTerm, m.Commit, m.Entries.Span, out ulong lastNew))
        {
            Message ack = NewMessage(MessageType.MsgAppendResponse, m.From);
            ack.Index = lastNew;
            Send(ack);
            return;
        }

        // Reject, with a hint that lets the leader skip a whole term of mismatching entries at once
        // (Raft §5.3 optimization; etcd's findConflictByTerm).
        ulong hintIndex = Math.Min(m.Index, RaftLog.LastIndex());
        hintIndex = RaftLog.FindConflictByTerm(hintIndex, m.LogTerm, out ulong hintTerm);
        Send(new Message
        {
            To = m.From,
            Type = MessageType.MsgAppendResponse,
            Index = m.Index,
            Reject = true,
            RejectHint = hintIndex,
            LogTerm = hintTerm,
        });
    }

    private void HandleHeartbeat(Message m)
    {
        RaftLog.CommitTo(m.Commit);
        Message ack = NewMessage(MessageType.MsgHeartbeatResponse, m.From);
        ack.Context = m.Context;
        Send(ack);
    }

    /// <summary>Raft §7 InstallSnapshot receiver.</summary>
    private void HandleSnapshot(Message m)
    {
        Snapshot snapshot = m.Snapshot ?? Snapshot.Empty;
        if (Restore(snapshot))
        {
            Send(new Message { To = m.From, Type = MessageType.MsgAppendResponse, Index = RaftLog.LastIndex() });
        }
        else
        {
            Send(new Message { To = m.From, Type = MessageType.MsgAppendResponse, Index = RaftLog.Committed });
        }
    }

    /// <summary>Installs <paramref name="snapshot"/> into the log and configuration unless it is stale.</summary>
    private bool Restore(Snapshot snapshot)
    {
        if (snapshot.Index <= RaftLog.Committed)
        {
            return false;
        }

        if (State != StateRole.Follower)
        {
            // Only a follower installs snapshots; should never happen since the sender is a leader of our term.
            BecomeFollower(Term + 1, 0);
            return false;
        }

        if (!snapshot.ConfState.Contains(Id))
        {
            // A snapshot whose configuration does not know us is from a configuration we are not part of.
            return false;
        }

        if (RaftLog.MatchTerm(snapshot.Index, snapshot.Term))
        {
            // We already have the entries: fast-forward the commit index instead.
            RaftLog.CommitTo(snapshot.Index);
            return false;
        }

        RaftLog.Restore(snapshot);
        Tracker.Progress = new ProgressMap();
        Tracker.Config = TrackerConfig.Empty;
        RestoreConfState(snapshot.ConfState);
        return true;
    }
}
