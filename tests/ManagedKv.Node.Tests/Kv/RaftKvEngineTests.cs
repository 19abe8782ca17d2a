using System.Diagnostics;
using System.Text;
using ManagedKv.Node.Kv;
using ManagedKv.Txn;
using static ManagedKv.Node.Tests.Kv.KvTestCluster;

namespace ManagedKv.Node.Tests.Kv;

public sealed class RaftKvEngineTests
{
    private static string S(byte[]? b) => b is null ? "<null>" : Encoding.UTF8.GetString(b);

    [Fact]
    public void RawStore_RoundTrips_OverRaft()
    {
        using var cluster = new KvTestCluster(("", ""));
        KvNode leader = cluster.ElectStore1();
        using (RaftKvEngine.Scope(1, new Metapb.RegionEpoch { ConfVer = 1, Version = 1 }))
        {
            RawStore raw = leader.Raw;
            raw.Put(B("a"), B("1"));
            raw.Put(B("b"), B("2"));
            raw.Put(B("c"), B("3"));
            Assert.Equal("2", S(raw.Get(B("b"))));
            Assert.Null(raw.Get(B("zz")));
            List<KvPair> scan = raw.Scan(B("a"), B("c"), 10);
            Assert.Equal(["a=1", "b=2"], scan.ConvertAll(p => S(p.Key) + "=" + S(p.Value)));
            List<KvPair> reverse = raw.Scan(B("c"), B(""), 10, reverse: true);
            Assert.Equal(["b", "a"], reverse.ConvertAll(p => S(p.Key)));
            raw.Delete(B("b"));
            Assert.Null(raw.Get(B("b")));
            RawCasResult cas = raw.CompareAndSwap(B("a"), B("10"), previousNotExist: false, previousValue: B("1"));
            Assert.True(cas.Succeed);
            RawCasResult failed = raw.CompareAndSwap(B("a"), B("11"), previousNotExist: false, previousValue: B("1"));
            Assert.False(failed.Succeed);
            Assert.Equal("10", S(failed.PreviousValue));
            Assert.Equal("10", S(raw.Get(B("a"))));
            raw.DeleteRange(B("a"), B("b"));
            Assert.Null(raw.Get(B("a")));
            Assert.Equal(["c=3"], raw.Scan(B(""), B(""), 10).ConvertAll(p => S(p.Key) + "=" + S(p.Value)));
        }

        cluster.WaitConverged();
        AssertSameData(cluster, expectKeys: 1);
    }

    [Fact]
    public void Percolator_PrewriteCommit_IsVisibleAtALaterTs_AndReplicated()
    {
        using var cluster = new KvTestCluster(("", ""));
        KvNode leader = cluster.ElectStore1();
        using (RaftKvEngine.Scope(1))
        {
            PrewriteResponse pw = leader.Txn.Prewrite(new PrewriteRequest
            {
                Mutations = [Mutation.Put(B("k1"), B("v1")), Mutation.Put(B("k2"), B("v2"))],
                PrimaryLock = B("k1"),
                StartVersion = 10,
                LockTtl = 3000,
            });
            Assert.True(pw.Errors.Count == 0, string.Join("; ", pw.Errors));
            CommitResponse commit = leader.Txn.Commit(new CommitRequest { StartVersion = 10, CommitVersion = 20, Keys = [B("k1"), B("k2")] });
            Assert.True(commit.Error is null, commit.Error?.ToString());
            GetResponse got = leader.Txn.Get(new GetRequest { Key = B("k2"), Version = 30 });
            Assert.True(got.Error is null, got.Error?.ToString());
            Assert.False(got.NotFound);
            Assert.Equal("v2", S(got.Value));
            GetResponse before = leader.Txn.Get(new GetRequest { Key = B("k2"), Version = 15 });
            Assert.True(before.NotFound);
        }

        cluster.WaitConverged();
        AssertSameData(cluster, expectKeys: 2);
        List<(EngineCf Cf, string Key, string Value)> dump = cluster.Store(3).DataDump();
        Assert.Equal(2, dump.FindAll(e => e.Cf == EngineCf.Write).Count); // one commit record per key (short values inline)
        Assert.Empty(dump.FindAll(e => e.Cf == EngineCf.Lock)); // the locks are gone
    }

    [Fact]
    public void WriteOutsideTheRegion_IsKeyNotInRegion_AndReadsAreBounded()
    {
        using var cluster = new KvTestCluster(("", "m"), ("m", ""));
        KvNode leader = cluster.ElectStore1();
        using (RaftKvEngine.Scope(2))
        {
            leader.Raw.Put(B("p"), B("in region 2"));
        }

        using (RaftKvEngine.Scope(1))
        {
            leader.Raw.Put(B("a"), B("in region 1"));
            var e = Assert.Throws<RegionErrorException>(() => leader.Raw.Put(B("x"), B("1")));
            Assert.NotNull(e.Error.KeyNotInRegion);
            Assert.Equal("x", S(e.Error.KeyNotInRegion.Key.ToByteArray()));
            Assert.Equal(1UL, e.Error.KeyNotInRegion.RegionId);
            Assert.Equal("m", e.Error.KeyNotInRegion.EndKey.ToStringUtf8());
            var read = Assert.Throws<RegionErrorException>(() => leader.Raw.Get(B("p")));
            Assert.NotNull(read.Error.KeyNotInRegion);

            // A scan of region 1 stops at its end even with no end key given.
            Assert.Equal(["a"], leader.Raw.Scan(B(""), B(""), 10).ConvertAll(p => S(p.Key)));
        }

        using (RaftKvEngine.Scope(2))
        {
            Assert.Equal(["p"], leader.Raw.Scan(B(""), B(""), 10).ConvertAll(p => S(p.Key)));
        }
    }

    [Fact]
    public void CallsOnAFollower_AreNotLeader_NamingTheLeader()
    {
        using var cluster = new KvTestCluster(("", ""));
        KvNode leader = cluster.ElectStore1();
        using (RaftKvEngine.Scope(1))
        {
            leader.Raw.Put(B("a"), B("1"));
        }

        cluster.WaitConverged();
        KvNode follower = cluster.Store(2);
        using (RaftKvEngine.Scope(1))
        {
            var sw = Stopwatch.StartNew();
            RegionErrorException e;
            do
            {
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), "the follower never named the leader");
                e = Assert.Throws<RegionErrorException>(() => follower.Raw.Get(B("a")));
                Assert.NotNull(e.Error.NotLeader);
            }
            while (e.Error.NotLeader.Leader is null);

            Assert.Equal(1UL, e.Error.NotLeader.RegionId);
            Assert.Equal(1UL, e.Error.NotLeader.Leader.StoreId);
            Assert.Equal(101UL, e.Error.NotLeader.Leader.Id);
            var write = Assert.Throws<RegionErrorException>(() => follower.Raw.Put(B("b"), B("2")));
            Assert.Equal(1UL, write.Error.NotLeader.Leader.StoreId);
            var txn = Assert.Throws<RegionErrorException>(() => follower.Txn.Get(new GetRequest { Key = B("a"), Version = 5 }));
            Assert.NotNull(txn.Error.NotLeader);
        }
    }

    [Fact]
    public void StaleEpoch_UnknownRegion_AndMissingScope_AreTypedErrors()
    {
        using var cluster = new KvTestCluster(("", ""));
        KvNode leader = cluster.ElectStore1();
        using (RaftKvEngine.Scope(1, new Metapb.RegionEpoch { ConfVer = 1, Version = 7 }))
        {
            var e = Assert.Throws<RegionErrorException>(() => leader.Raw.Put(B("a"), B("1")));
            Assert.Equal(1UL, Assert.Single(e.Error.EpochNotMatch.CurrentRegions).Id);
            Assert.NotNull(Assert.Throws<RegionErrorException>(() => leader.Raw.Get(B("a"))).Error.EpochNotMatch);
        }

        using (RaftKvEngine.Scope(42))
        {
            Assert.Equal(42UL, Assert.Throws<RegionErrorException>(() => leader.Raw.Get(B("a"))).Error.RegionNotFound.RegionId);
        }

        Assert.Throws<InvalidOperationException>(() => leader.Raw.Get(B("a")));
        using (RaftKvEngine.Scope(1))
        {
            using (RaftKvEngine.Scope(42))
            {
                Assert.Equal(42UL, RaftKvScope.Current!.RegionId);
            }

            Assert.Equal(1UL, RaftKvScope.Current!.RegionId);
            leader.Raw.Put(B("a"), B("1"));
            Assert.Equal("1", S(leader.Raw.Get(B("a"))));
        }

        Assert.Null(RaftKvScope.Current);
        Assert.Equal(0, leader.Applier.EpochMismatches);
    }

    [Fact]
    public void RandomRawOps_MatchAModel_AcrossAFollowerRestart()
    {
        string? env = Environment.GetEnvironmentVariable("MANAGEDKV_SEED");
        int seed = env is null ? Random.Shared.Next() : int.Parse(env, System.Globalization.CultureInfo.InvariantCulture);
        int steps = Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1" ? 3000 : 300;
        var rng = new Random(seed);
        var model = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using var cluster = new KvTestCluster(("", ""));
        KvNode leader = cluster.ElectStore1();
        using (RaftKvEngine.Scope(1))
        {
            for (int i = 0; i < steps; i++)
            {
                string key = "k" + rng.Next(40).ToString("D2", System.Globalization.CultureInfo.InvariantCulture);
                int op = rng.Next(10);
                string context = $"seed {seed} step {i} op {op} key {key}";
                if (i == steps / 2)
                {
                    cluster.Restart(3); // a follower: the leader keeps a quorum with store 2
                }

                if (op < 4)
                {
                    string value = "v" + i;
                    leader.Raw.Put(B(key), B(value));
                    model[key] = value;
                }
                else if (op < 6)
                {
                    leader.Raw.Delete(B(key));
                    model.Remove(key);
                }
                else if (op < 8)
                {
                    Assert.True((model.TryGetValue(key, out string? v) ? v : "<null>") == S(leader.Raw.Get(B(key))), context);
                }
                else
                {
                    string end = "k" + rng.Next(40).ToString("D2", System.Globalization.CultureInfo.InvariantCulture);
                    var expected = new List<string>();
                    foreach ((string k, string v) in model)
                    {
                        if (string.CompareOrdinal(k, key) >= 0 && string.CompareOrdinal(k, end) < 0 && expected.Count < 5)
                        {
                            expected.Add(k + "=" + v);
                        }
                    }

                    List<KvPair> got = leader.Raw.Scan(B(key), B(end), 5);
                    Assert.True(string.Join(",", expected) == string.Join(",", got.ConvertAll(p => S(p.Key) + "=" + S(p.Value))), context);
                }
            }
        }

        cluster.WaitConverged();
        AssertSameData(cluster, expectKeys: model.Count);
        List<(EngineCf Cf, string Key, string Value)> raw = cluster.Store(3).DataDump().FindAll(e => e.Cf == EngineCf.Raw);
        Assert.True(model.Count == raw.Count, $"seed {seed}: {raw.Count} raw entries, model {model.Count}");
    }

    private static void AssertSameData(KvTestCluster cluster, int expectKeys)
    {
        List<(EngineCf Cf, string Key, string Value)> first = cluster.Store(1).DataDump();
        Assert.True(first.Count >= expectKeys, $"{first.Count} entries, expected at least {expectKeys}");
        foreach ((EngineCf _, string key, string _) in first)
        {
            Assert.StartsWith("7A", key, StringComparison.Ordinal); // 'z'
        }

        foreach (KvNode s in cluster.Stores)
        {
            Assert.Equal(first, s.DataDump());
        }
    }
}
