namespace ManagedKv.Raft.Tests;

/// <summary>Majority and joint quorums against naive definitions (etcd's quorum quick test).</summary>
public sealed class QuorumTests
{
    private sealed class MapIndexer(Dictionary<ulong, ulong> acked) : IAckedIndexer
    {
        public bool TryAckedIndex(ulong id, out ulong index) => acked.TryGetValue(id, out index);
    }

    /// <summary>The largest index such that a majority acked at least it, by brute force.</summary>
    private static ulong NaiveCommitted(ulong[] voters, Dictionary<ulong, ulong> acked)
    {
        if (voters.Length == 0)
        {
            return ulong.MaxValue;
        }

        ulong best = 0;
        foreach (ulong candidate in acked.Values.Append(0UL))
        {
            int count = voters.Count(v => acked.TryGetValue(v, out ulong a) && a >= candidate);
            if (count > voters.Length / 2)
            {
                best = Math.Max(best, candidate);
            }
        }

        return best;
    }

    [Fact]
    public void CommittedIndexMatchesNaiveDefinition()
    {
        var rng = new Random(1234);
        for (int round = 0; round < 2000; round++)
        {
            int n = rng.Next(0, 8);
            ulong[] voters = Enumerable.Range(1, n).Select(i => (ulong)i).ToArray();
            var acked = new Dictionary<ulong, ulong>();
            foreach (ulong v in voters)
            {
                if (rng.Next(5) != 0)
                {
                    acked[v] = (ulong)rng.Next(0, 20);
                }
            }

            var cfg = new MajorityConfig(voters);
            Assert.True(NaiveCommitted(voters, acked) == cfg.CommittedIndex(new MapIndexer(acked)), $"round {round}");

            // Joint: the minimum of both halves.
            ulong[] outgoing = voters.Where(_ => rng.Next(2) == 0).ToArray();
            var joint = new JointConfig(cfg, new MajorityConfig(outgoing));
            ulong expected = Math.Min(NaiveCommitted(voters, acked), NaiveCommitted(outgoing, acked));
            Assert.Equal(expected, joint.CommittedIndex(new MapIndexer(acked)));
        }
    }

    [Theory]
    [InlineData(new ulong[] { 1, 2, 3 }, new ulong[] { 1, 2 }, new ulong[] { }, VoteResult.Won)]
    [InlineData(new ulong[] { 1, 2, 3 }, new ulong[] { 1 }, new ulong[] { }, VoteResult.Pending)]
    [InlineData(new ulong[] { 1, 2, 3 }, new ulong[] { 1 }, new ulong[] { 2, 3 }, VoteResult.Lost)]
    [InlineData(new ulong[] { 1, 2, 3, 4 }, new ulong[] { 1, 2 }, new ulong[] { 3 }, VoteResult.Pending)]
    [InlineData(new ulong[] { 1, 2, 3, 4 }, new ulong[] { 1, 2 }, new ulong[] { 3, 4 }, VoteResult.Lost)]
    [InlineData(new ulong[] { }, new ulong[] { }, new ulong[] { }, VoteResult.Won)]
    public void MajorityVoteResult(ulong[] voters, ulong[] yes, ulong[] no, VoteResult expected)
    {
        var votes = new Dictionary<ulong, bool>();
        foreach (ulong id in yes)
        {
            votes[id] = true;
        }

        foreach (ulong id in no)
        {
            votes[id] = false;
        }

        Assert.Equal(expected, new MajorityConfig(voters).VoteResult(votes));
    }

    [Fact]
    public void JointVoteNeedsBothHalves()
    {
        var joint = new JointConfig(new MajorityConfig([1, 2, 3]), new MajorityConfig([3, 4, 5]));
        var votes = new Dictionary<ulong, bool> { [1] = true, [2] = true };
        Assert.Equal(VoteResult.Pending, joint.VoteResult(votes));
        votes[4] = true;
        votes[5] = true;
        Assert.Equal(VoteResult.Won, joint.VoteResult(votes));
        votes[4] = false;
        votes[5] = false;
        Assert.Equal(VoteResult.Lost, joint.VoteResult(votes));
    }
}
