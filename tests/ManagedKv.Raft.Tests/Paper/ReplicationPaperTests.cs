namespace ManagedKv.Raft.Tests;

/// <summary>
/// The Raft paper's log replication and commitment rules (etcd's raft_paper_test.go, §5.3, §5.4.2), including
/// the follower log repair scenarios of figure 7.
/// </summary>
public sealed class ReplicationPaperTests
{
    private static readonly ulong[] Ids3 = [1, 2, 3];

    private static Entry E(ulong term, ulong index, string? data = null) =>
        new(term, index, EntryType.EntryNormal, data is null ? ReadOnlyMemory<byte>.Empty : System.Text.Encoding.UTF8.GetBytes(data));

    private static TestPeer LeaderWithCommittedEmptyEntry(ulong[] ids)
    {
        TestPeer p = TestPeer.Create(1, ids);
        p.BecomeLeaderNow();
        CommitNoopEntry(p);
        return p;
    }

    /// <summary>Acknowledges the new leader's empty entry from every follower so that it commits.</summary>
    private static void CommitNoopEntry(TestPeer p)
    {
        RaftCore r = p.Raft;
        r.BroadcastAppend();
        foreach (Message m in p.ReadMessages())
        {
            if (m.Type != MessageType.MsgAppend || m.Entries.Length != 1 || !m.Entries[0].Data.IsEmpty)
            {
                throw new InvalidOperationException("not a message to append the noop entry");
            }

            r.Step(new Message { From = m.To, To = 1, Type = MessageType.MsgAppendResponse, Term = r.Term, Index = m.Entries[0].Index });
        }

        p.ReadMessages();
    }

    private static Message AcceptAndReply(Message m) => new()
    {
        From = m.To,
        To = m.From,
        Type = MessageType.MsgAppendResponse,
        Term = m.Term,
        Index = m.Index + (ulong)m.Entries.Length,
    };

    // Raft §5.3: the leader appends the command to its log, then issues AppendEntries to each of the others.
    [Fact]
    public void LeaderStartsReplication()
    {
        TestPeer p = LeaderWithCommittedEmptyEntry(Ids3);
        ulong li = p.Raft.RaftLog.LastIndex();

        p.Step(Network.Prop(1, "some data"));

        Assert.Equal(li + 1, p.Raft.RaftLog.LastIndex());
        Assert.Equal(li, p.Raft.RaftLog.Committed);
        List<Message> msgs = p.ReadMessages().OrderBy(m => m.To).ToList();
        Assert.Equal(2, msgs.Count);
        foreach (Message m in msgs)
        {
            Assert.Equal(MessageType.MsgAppend, m.Type);
            Assert.Equal(li, m.Index);
            Assert.Equal(1UL, m.LogTerm);
            Assert.Equal(li, m.Commit);
            Assert.Equal([E(1, li + 1, "some data")], m.Entries);
        }

        Assert.Equal([E(1, li + 1, "some data")], p.Raft.RaftLog.Unstable.Count == 0 ? p.AllEntries()[^1..] : p.AllEntries()[^1..]);
    }

    // Raft §5.3: once the entry is replicated on a majority the leader commits it and tells followers the new
    // commit index in later AppendEntries.
    [Fact]
    public void LeaderCommitsReplicatedEntry()
    {
        TestPeer p = LeaderWithCommittedEmptyEntry(Ids3);
        ulong li = p.Raft.RaftLog.LastIndex();
        p.Step(Network.Prop(1, "some data"));

        foreach (Message m in p.ReadMessages())
        {
            p.Step(AcceptAndReply(m));
        }

        Assert.Equal(li + 1, p.Raft.RaftLog.Committed);
        List<Message> msgs = p.ReadMessages().OrderBy(m => m.To).ToList();
        Assert.Equal([2UL, 3UL], msgs.Select(m => m.To));
        Assert.All(msgs, m =>
        {
            Assert.Equal(MessageType.MsgAppend, m.Type);
            Assert.Equal(li + 1, m.Commit);
        });
    }

    // Raft §5.3: an entry is committed once the leader has replicated it on a majority (counting itself).
    [Theory]
    [InlineData(1, new ulong[] { }, true)]
    [InlineData(3, new ulong[] { }, false)]
    [InlineData(3, new ulong[] { 2 }, true)]
    [InlineData(3, new ulong[] { 2, 3 }, true)]
    [InlineData(5, new ulong[] { }, false)]
    [InlineData(5, new ulong[] { 2 }, false)]
    [InlineData(5, new ulong[] { 2, 3 }, true)]
    [InlineData(5, new ulong[] { 2, 3, 4 }, true)]
    [InlineData(5, new ulong[] { 2, 3, 4, 5 }, true)]
    public void LeaderAcknowledgesCommitOnMajority(int size, ulong[] acceptors, bool committed)
    {
        ulong[] ids = Enumerable.Range(1, size).Select(i => (ulong)i).ToArray();
        TestPeer p = LeaderWithCommittedEmptyEntry(ids);
        ulong li = p.Raft.RaftLog.LastIndex();
        p.Step(Network.Prop(1, "some data"));

        foreach (Message m in p.ReadMessages())
        {
            if (acceptors.Contains(m.To))
            {
                p.Step(AcceptAndReply(m));
            }
        }

        Assert.Equal(committed, p.Raft.RaftLog.Committed > li);
    }

    // Raft §5.3: committing an entry also commits every preceding entry, including those of earlier leaders.
    [Theory]
    [InlineData(new ulong[] { })]
    [InlineData(new ulong[] { 2 })]
    [InlineData(new ulong[] { 1, 1 })]
    [InlineData(new ulong[] { 1 })]
    public void LeaderCommitsPrecedingEntries(ulong[] terms)
    {
        TestPeer p = TestPeer.WithLog(1, Ids3, terms, term: 2);
        p.BecomeLeaderNow();
        p.Step(Network.Prop(1, "some data"));

        foreach (Message m in p.ReadMessages())
        {
            p.Step(AcceptAndReply(m));
        }

        ulong li = (ulong)terms.Length;
        Assert.Equal(li + 2, p.Raft.RaftLog.Committed);
        Entry[] all = p.AllEntries();
        Assert.Equal(E(3, li + 1), all[li]);
        Assert.Equal(E(3, li + 2, "some data"), all[li + 1]);
    }

    // Raft §5.3: once a follower learns an entry is committed it commits it (and everything before it).
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    public void FollowerCommitsEntries(int count, int commit)
    {
        TestPeer p = TestPeer.Create(1, Ids3);
        p.Raft.BecomeFollower(1, 2);
        Entry[] entries = Enumerable.Range(1, count).Select(i => E(1, (ulong)i, "some data " + i)).ToArray();

        p.Step(new Message { From = 2, To = 1, Type = MessageType.MsgAppend, Term = 1, Entries = entries, Commit = (ulong)commit });

        Assert.Equal((ulong)commit, p.Raft.RaftLog.Committed);
        p.Persist();
        Entry[] committed = p.Raft.RaftLog.NextCommittedEntries().ToArray();
        Assert.Equal(entries[..commit], committed);
    }

    // Raft §5.3: a follower refuses new entries if its log lacks an entry with the given previous index and term;
    // the rejection carries a hint for fast backtracking.
    [Theory]
    [InlineData(0UL, 0UL, 1UL, false, 0UL, 0UL)]
    [InlineData(1UL, 1UL, 1UL, false, 0UL, 0UL)]
    [InlineData(2UL, 2UL, 2UL, false, 0UL, 0UL)]
    [InlineData(1UL, 2UL, 2UL, true, 1UL, 1UL)]
    [InlineData(3UL, 3UL, 3UL, true, 2UL, 2UL)]
    public void FollowerChecksPreviousEntry(ulong term, ulong index, ulong expectIndex, bool expectReject, ulong expectHint, ulong expectHintTerm)
    {
        // The follower's log: (1,1) (2,2), committed 1.
        TestPeer p = TestPeer.WithLog(1, Ids3, [1, 2], term: 0);
        p.Step(new Message { From = 2, To = 1, Type = MessageType.MsgHeartbeat, Term = 2, Commit = 1 });
        p.ReadMessages();

        p.Step(new Message { From = 2, To = 1, Type = MessageType.MsgAppend, Term = 2, LogTerm = term, Index = index });

        Message m = Assert.Single(p.ReadMessages());
        Assert.Equal(MessageType.MsgAppendResponse, m.Type);
        Assert.Equal(expectReject, m.Reject);
        Assert.Equal(expectIndex, m.Index);
        Assert.Equal(expectHint, m.RejectHint);
        Assert.Equal(expectHintTerm, m.LogTerm);
    }

    // Raft §5.3: if an existing entry conflicts with a new one (same index, different term), the follower deletes
    // it and all that follow, then appends the new entries.
    [Theory]
    [InlineData(2UL, 2UL, new ulong[] { 3 }, new ulong[] { 1, 2, 3 }, new ulong[] { 3 })]
    [InlineData(1UL, 1UL, new ulong[] { 3, 4 }, new ulong[] { 1, 3, 4 }, new ulong[] { 3, 4 })]
    [InlineData(0UL, 0UL, new ulong[] { 1 }, new ulong[] { 1, 2 }, new ulong[] { })]
    [InlineData(0UL, 0UL, new ulong[] { 3 }, new ulong[] { 3 }, new ulong[] { 3 })]
    public void FollowerReplacesConflictingEntries(ulong index, ulong term, ulong[] newTerms, ulong[] expectTerms, ulong[] expectUnstableTerms)
    {
        TestPeer p = TestPeer.WithLog(1, Ids3, [1, 2], term: 0);
        p.Raft.BecomeFollower(2, 2);
        Entry[] entries = newTerms.Select((t, i) => E(t, index + 1 + (ulong)i)).ToArray();

        p.Step(new Message { From = 2, To = 1, Type = MessageType.MsgAppend, Term = 2, LogTerm = term, Index = index, Entries = entries });

        Assert.Equal(expectTerms, p.AllEntries().Select(e => e.Term));
        Assert.Equal(expectUnstableTerms, p.Raft.RaftLog.Unstable.NextEntries().Select(e => e.Term));
    }

    // Raft §5.3, figure 7: the leader forces the followers' logs to duplicate its own, whatever their state
    // (missing entries (a, b), extra uncommitted entries (c, d), or both (e, f)).
    [Theory]
    [MemberData(nameof(Figure7Followers))]
    public void LeaderRepairsFollowerLog(ulong[] followerTerms, ulong followerTerm)
    {
        ulong[] leaderTerms = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
        TestPeer leader = TestPeer.WithLog(1, Ids3, leaderTerms, term: 8);
        TestPeer follower = TestPeer.WithLog(2, Ids3, followerTerms, term: followerTerm);

        // The third peer has an empty log, so it grants the leader's election whatever the follower answers.
        var network = new Network(leader, follower, null);
        network.Send(Network.Hup(1));
        Assert.Equal(StateRole.Leader, leader.Raft.State);

        // Replicate the leader's log (including its new empty entry) to the follower.
        network.Send(new Message { From = 1, To = 1, Type = MessageType.MsgPropose, Entries = [new Entry(0, 0, EntryType.EntryNormal, default)] });

        Assert.Equal(leader.AllEntries(), follower.AllEntries());
        Assert.Equal(leader.Raft.RaftLog.Committed, follower.Raft.RaftLog.Committed);
    }

    public static TheoryData<ulong[], ulong> Figure7Followers() => new()
    {
        { [1, 1, 1, 4, 4, 5, 5, 6, 6], 6 },                // (a)
        { [1, 1, 1, 4], 4 },                                // (b)
        { [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], 6 },           // (c)
        { [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], 7 },        // (d)
        { [1, 1, 1, 4, 4, 4, 4], 4 },                       // (e)
        { [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], 3 },           // (f)
        { [], 0 },                                          // empty
    };

    // Raft §5.4.2: a leader never commits an entry of a previous term by counting replicas; only entries of its
    // own term commit that way (figure 8).
    [Theory]
    [InlineData(1UL, 0UL)]
    [InlineData(2UL, 0UL)]
    [InlineData(3UL, 3UL)]
    public void LeaderOnlyCommitsEntriesOfItsTerm(ulong ackedIndex, ulong expectCommit)
    {
        TestPeer p = TestPeer.WithLog(1, Ids3, [1, 2], term: 2);
        p.BecomeLeaderNow();
        p.ReadMessages();

        p.Step(new Message { From = 2, To = 1, Type = MessageType.MsgAppendResponse, Term = p.Raft.Term, Index = ackedIndex });

        Assert.Equal(expectCommit, p.Raft.RaftLog.Committed);
    }

    // Raft §5.4.3 (leader completeness): a node whose log lacks committed entries cannot become leader, so every
    // leader holds all committed entries.
    [Fact]
    public void NodeMissingCommittedEntriesCannotWin()
    {
        var network = new Network(null, null, null);
        network.Send(Network.Hup(1));
        network.Cut(1, 3);
        network.Cut(2, 3);
        network.Send(Network.Prop(1));
        Assert.Equal(2UL, network[1].RaftLog.Committed);
        Assert.Equal(2UL, network[2].RaftLog.Committed);

        // 3 missed the committed entry; 1 is down. 3 cannot win against 2.
        network.Recover();
        network.Isolate(1);
        network.Send(Network.Hup(3));
        Assert.NotEqual(StateRole.Leader, network[3].State);
        network.Send(Network.Hup(2));
        Assert.Equal(StateRole.Leader, network[2].State);
        network.Send(Network.Prop(2));
        Assert.Equal(network[2].RaftLog.Committed, network[3].RaftLog.Committed);
    }
}
