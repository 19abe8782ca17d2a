namespace ManagedKv.Raft.Tests;

/// <summary>
/// The Raft paper's election rules, one rule per test (etcd's raft_paper_test.go, §5.1–§5.2, §5.4.1).
/// </summary>
public sealed class ElectionPaperTests
{
    private static readonly ulong[] Ids3 = [1, 2, 3];

    // Raft §5.1: if one server's current term is smaller than the other's, it updates its term; a candidate or
    // leader that discovers it is out of date reverts to follower.
    [Theory]
    [InlineData(StateRole.Follower)]
    [InlineData(StateRole.Candidate)]
    [InlineData(StateRole.PreCandidate)]
    [InlineData(StateRole.Leader)]
    public void UpdateTermFromMessage(StateRole role)
    {
        TestPeer p = TestPeer.Create(1, Ids3);
        RaftCore r = p.Raft;
        switch (role)
        {
            case StateRole.Follower:
                r.BecomeFollower(1, 2);
                break;
            case StateRole.Candidate:
                r.BecomeCandidate();
                break;
            case StateRole.PreCandidate:
                r.BecomePreCandidate();
                break;
            case StateRole.Leader:
                p.BecomeLeaderNow();
                break;
        }

        r.Step(new Message { Type = MessageType.MsgAppend, From = 2, To = 1, Term = 2 });

        Assert.Equal(2UL, r.Term);
        Assert.Equal(StateRole.Follower, r.State);
        Assert.Equal(2UL, r.Lead);
    }

    // Raft §5.1: a server that receives a request with a stale term number rejects (here: ignores) it.
    [Fact]
    public void RejectStaleTermMessage()
    {
        TestPeer p = TestPeer.Create(1, Ids3);
        p.Raft.BecomeFollower(2, 0);
        p.ReadMessages();

        p.Step(new Message { Type = MessageType.MsgAppend, From = 2, To = 1, Term = 1, Index = 0, LogTerm = 0, Entries = [new Entry(1, 1, EntryType.EntryNormal, default)] });

        Assert.Empty(p.ReadMessages());
        Assert.Equal(0UL, p.Raft.RaftLog.LastIndex());
        Assert.Equal(2UL, p.Raft.Term);
    }

    // Raft §5.2: when servers start up, they begin as followers.
    [Fact]
    public void StartAsFollower()
    {
        TestPeer p = TestPeer.Create(1, Ids3);
        Assert.Equal(StateRole.Follower, p.Raft.State);
    }

    // Raft §5.2: the leader sends heartbeats (empty AppendEntries) to all followers to keep its authority.
    [Fact]
    public void LeaderBroadcastsHeartbeat()
    {
        const int heartbeat = 1;
        TestPeer p = TestPeer.Create(1, Ids3, heartbeat: heartbeat);
        p.BecomeLeaderNow();
        p.ReadMessages();

        for (int i = 0; i < heartbeat; i++)
        {
            p.Raft.Tick();
        }

        List<Message> msgs = p.ReadMessages().OrderBy(m => m.To).ToList();
        Assert.Equal(2, msgs.Count);
        Assert.All(msgs, m =>
        {
            Assert.Equal(MessageType.MsgHeartbeat, m.Type);
            Assert.Equal(1UL, m.From);
            Assert.Equal(1UL, m.Term);
        });
        Assert.Equal([2UL, 3UL], msgs.Select(m => m.To));
    }

    // Raft §5.2: a follower that hears nothing for an election timeout becomes a candidate: it increments its
    // term, votes for itself and sends RequestVote to every other server.
    [Theory]
    [InlineData(StateRole.Follower)]
    [InlineData(StateRole.Candidate)]
    public void NonLeaderStartsElection(StateRole role)
    {
        const int election = 10;
        TestPeer p = TestPeer.Create(1, Ids3, election: election);
        if (role == StateRole.Follower)
        {
            p.Raft.BecomeFollower(1, 2);
        }
        else
        {
            p.Raft.BecomeCandidate();
        }

        p.ReadMessages();
        for (int i = 1; i < 2 * election; i++)
        {
            p.Raft.Tick();
        }

        Assert.Equal(2UL, p.Raft.Term);
        Assert.Equal(StateRole.Candidate, p.Raft.State);
        Assert.True(p.Raft.Tracker.Votes[1]);
        List<Message> msgs = p.ReadMessages().OrderBy(m => m.To).ToList();
        Assert.Equal(2, msgs.Count);
        foreach (Message m in msgs)
        {
            Assert.Equal(MessageType.MsgRequestVote, m.Type);
            Assert.Equal(2UL, m.Term);
        }

        Assert.Equal([2UL, 3UL], msgs.Select(m => m.To));
    }

    // Raft §5.2: a candidate wins when it gets votes from a majority, loses when a majority rejects, and stays a
    // candidate otherwise.
    [Theory]
    [InlineData(1, new ulong[] { }, new ulong[] { }, StateRole.Leader)]
    [InlineData(3, new ulong[] { 2, 3 }, new ulong[] { }, StateRole.Leader)]
    [InlineData(3, new ulong[] { 2 }, new ulong[] { }, StateRole.Leader)]
    [InlineData(5, new ulong[] { 2, 3, 4, 5 }, new ulong[] { }, StateRole.Leader)]
    [InlineData(5, new ulong[] { 2, 3, 4 }, new ulong[] { }, StateRole.Leader)]
    [InlineData(5, new ulong[] { 2, 3 }, new ulong[] { }, StateRole.Leader)]
    [InlineData(3, new ulong[] { }, new ulong[] { 2, 3 }, StateRole.Follower)]
    [InlineData(5, new ulong[] { 2 }, new ulong[] { 3, 4, 5 }, StateRole.Follower)]
    [InlineData(3, new ulong[] { }, new ulong[] { }, StateRole.Candidate)]
    [InlineData(5, new ulong[] { 2 }, new ulong[] { }, StateRole.Candidate)]
    [InlineData(5, new ulong[] { 2 }, new ulong[] { 3 }, StateRole.Candidate)]
    public void ElectionInOneRound(int size, ulong[] granted, ulong[] rejected, StateRole expected)
    {
        ulong[] ids = Enumerable.Range(1, size).Select(i => (ulong)i).ToArray();
        TestPeer p = TestPeer.Create(1, ids);
        p.Step(Network.Hup(1));
        foreach (ulong id in granted)
        {
            p.Step(new Message { From = id, To = 1, Term = p.Raft.Term, Type = MessageType.MsgRequestVoteResponse });
        }

        foreach (ulong id in rejected)
        {
            p.Step(new Message { From = id, To = 1, Term = p.Raft.Term, Type = MessageType.MsgRequestVoteResponse, Reject = true });
        }

        Assert.Equal(expected, p.Raft.State);
        Assert.Equal(1UL, p.Raft.Term);
    }

    // Raft §5.2: each server votes for at most one candidate in a term, first come first served.
    [Theory]
    [InlineData(0UL, 1UL, false)]
    [InlineData(0UL, 2UL, false)]
    [InlineData(1UL, 1UL, false)]
    [InlineData(2UL, 2UL, false)]
    [InlineData(1UL, 2UL, true)]
    [InlineData(2UL, 1UL, true)]
    public void FollowerVotesOncePerTerm(ulong vote, ulong candidate, bool expectReject)
    {
        var storage = new MemoryRaftStorage(new ConfState(1, 2, 3));
        storage.SetHardState(new HardState(1, vote, 0));
        TestPeer p = TestPeer.Create(1, storage);

        p.Step(new Message { From = candidate, To = 1, Term = 1, Type = MessageType.MsgRequestVote });

        Message m = Assert.Single(p.ReadMessages());
        Assert.Equal(MessageType.MsgRequestVoteResponse, m.Type);
        Assert.Equal(candidate, m.To);
        Assert.Equal(expectReject, m.Reject);
    }

    // Raft §5.2: a candidate that receives AppendEntries from a leader whose term is at least its own returns to
    // follower.
    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    public void CandidateFallsBackOnLeaderMessage(ulong term)
    {
        TestPeer p = TestPeer.Create(1, Ids3);
        p.Step(Network.Hup(1));
        Assert.Equal(StateRole.Candidate, p.Raft.State);

        p.Step(new Message { From = 2, To = 1, Term = term, Type = MessageType.MsgAppend });

        Assert.Equal(StateRole.Follower, p.Raft.State);
        Assert.Equal(term, p.Raft.Term);
    }

    // Raft §5.2: election timeouts are chosen randomly in [et, 2et).
    [Theory]
    [InlineData(StateRole.Follower)]
    [InlineData(StateRole.Candidate)]
    public void ElectionTimeoutIsRandomized(StateRole role)
    {
        const int et = 10;
        var seen = new HashSet<int>();
        for (ulong seed = 1; seed <= 200; seed++)
        {
            TestPeer p = TestPeer.Create(1, Ids3, election: et, configure: c => c.RandomSeed = seed);
            if (role == StateRole.Follower)
            {
                p.Raft.BecomeFollower(p.Raft.Term + 1, 2);
            }
            else
            {
                p.Raft.BecomeCandidate();
            }

            int ticks = 0;
            ulong term = p.Raft.Term;
            while (p.Raft.Term == term)
            {
                p.Raft.Tick();
                ticks++;
            }

            Assert.InRange(ticks, et, (2 * et) - 1);
            seen.Add(ticks);
        }

        for (int t = et; t < 2 * et; t++)
        {
            Assert.Contains(t, seen);
        }
    }

    // Raft §5.2: randomized timeouts make it likely that only one server times out first, so split votes are rare.
    [Fact]
    public void ElectionTimeoutsRarelyConflict()
    {
        const int et = 10;
        int conflicts = 0;
        const int rounds = 1000;
        for (int round = 0; round < rounds; round++)
        {
            var peers = new TestPeer[5];
            for (int i = 0; i < peers.Length; i++)
            {
                ulong id = (ulong)i + 1;
                ulong seed = ((ulong)round * 7919) + id;
                peers[i] = TestPeer.Create(id, [1, 2, 3, 4, 5], election: et, configure: c => c.RandomSeed = seed);
                peers[i].Raft.BecomeFollower(1, 0);
            }

            int timedOut = 0;
            while (timedOut == 0)
            {
                foreach (TestPeer p in peers)
                {
                    p.Raft.Tick();
                    if (p.Raft.PersistedMsgs.Count > 0)
                    {
                        timedOut++;
                    }
                }
            }

            if (timedOut > 1)
            {
                conflicts++;
            }
        }

        // etcd asserts the conflict probability stays below 0.3 for five nodes.
        Assert.True(conflicts / (double)rounds <= 0.3, $"conflict probability {conflicts / (double)rounds}");
    }

    // Raft §5.4.1: the RequestVote RPC carries the candidate's last log index and term.
    [Fact]
    public void VoteRequestCarriesLastLogPosition()
    {
        TestPeer p = TestPeer.WithLog(1, Ids3, [1, 2], term: 2);
        for (int i = 1; i < p.Raft.ElectionTimeout * 2; i++)
        {
            p.Raft.Tick();
        }

        List<Message> msgs = p.ReadMessages();
        Assert.Equal(2, msgs.Count);
        Assert.All(msgs, m =>
        {
            Assert.Equal(MessageType.MsgRequestVote, m.Type);
            Assert.Equal(3UL, m.Term);
            Assert.Equal(2UL, m.Index);
            Assert.Equal(2UL, m.LogTerm);
        });
    }

    // Raft §5.4.1: a voter denies its vote if its own log is more up to date than the candidate's.
    [Theory]
    // Same last term: longer or equal log wins.
    [InlineData(new ulong[] { 1 }, 1UL, 1UL, false)]
    [InlineData(new ulong[] { 1 }, 1UL, 2UL, false)]
    [InlineData(new ulong[] { 1, 1 }, 1UL, 1UL, true)]
    // Candidate's last term is higher.
    [InlineData(new ulong[] { 1 }, 2UL, 1UL, false)]
    [InlineData(new ulong[] { 1 }, 2UL, 2UL, false)]
    [InlineData(new ulong[] { 1, 1 }, 2UL, 1UL, false)]
    // Voter's last term is higher.
    [InlineData(new ulong[] { 2 }, 1UL, 1UL, true)]
    [InlineData(new ulong[] { 2 }, 1UL, 2UL, true)]
    [InlineData(new ulong[] { 2, 2 }, 1UL, 1UL, true)]
    public void VoterChecksUpToDate(ulong[] voterLogTerms, ulong candidateLogTerm, ulong candidateIndex, bool expectReject)
    {
        TestPeer p = TestPeer.WithLog(1, [1, 2], voterLogTerms, term: 0);

        p.Step(new Message { From = 2, To = 1, Type = MessageType.MsgRequestVote, Term = 3, LogTerm = candidateLogTerm, Index = candidateIndex });

        Message m = Assert.Single(p.ReadMessages());
        Assert.Equal(MessageType.MsgRequestVoteResponse, m.Type);
        Assert.Equal(expectReject, m.Reject);
    }
}
