namespace ManagedKv.Raft.Tests;

/// <summary>
/// A candidate learns the commit index from vote answers (raft-rs's maybe_commit_by_vote, etcd issue 12359): with
/// configurations taking effect when applied, a candidate that does not know a configuration change in its log is
/// committed may need a vote that will never come. Found by the cluster simulator: a voter demoted by an explicit
/// joint change held the longest log, refused every vote and, being a learner, never campaigned.
/// </summary>
public sealed class CommitByVoteTests
{
    private static TestPeer CandidateWithUncommittedLookingConfChange()
    {
        var storage = new MemoryRaftStorage(new ConfState(1, 2, 3));
        storage.Append(
        [
            new Entry(1, 1, EntryType.EntryNormal, default),
            new Entry(1, 2, EntryType.EntryConfChangeV2, ConfChangeV2.Simple(ConfChangeType.RemoveNode, 3).Encode()),
        ]);
        storage.SetHardState(new HardState(1, 0, 1));
        TestPeer p = TestPeer.Create(1, storage, configure: c => c.Applied = 1);
        p.Step(new Message { From = 1, To = 1, Type = MessageType.MsgHup });
        Assert.Equal(StateRole.Candidate, p.Raft.State);
        return p;
    }

    [Fact]
    public void CandidateStepsDownToApplyAConfChangeItLearnsIsCommitted()
    {
        TestPeer p = CandidateWithUncommittedLookingConfChange();
        p.Step(new Message { From = 2, To = 1, Term = 2, Type = MessageType.MsgRequestVoteResponse, Reject = true, Commit = 2, LogTerm = 1 });

        Assert.Equal(2UL, p.Raft.RaftLog.Committed);
        Assert.Equal(StateRole.Follower, p.Raft.State);
        Assert.Equal(2UL, p.Raft.Term);
    }

    [Fact]
    public void ACommitIndexThatDoesNotMatchTheLogIsIgnored()
    {
        TestPeer p = CandidateWithUncommittedLookingConfChange();
        p.Step(new Message { From = 2, To = 1, Term = 2, Type = MessageType.MsgRequestVoteResponse, Reject = true, Commit = 2, LogTerm = 7 });

        Assert.Equal(1UL, p.Raft.RaftLog.Committed);
        Assert.Equal(StateRole.Candidate, p.Raft.State);
    }

    [Fact]
    public void VoteAnswersCarryTheCommitIndexAndItsTerm()
    {
        TestPeer voter = TestPeer.WithLog(2, [1, 2, 3], [1, 1], term: 1);
        voter.Raft.RaftLog.CommitTo(2);
        voter.Step(new Message { From = 1, To = 2, Term = 2, Type = MessageType.MsgRequestVote, Index = 1, LogTerm = 1 });
        Message answer = Assert.Single(voter.ReadMessages());
        Assert.True(answer.Reject);
        Assert.Equal(2UL, answer.Commit);
        Assert.Equal(1UL, answer.LogTerm);
    }
}
