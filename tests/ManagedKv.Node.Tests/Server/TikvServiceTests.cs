using System.Diagnostics;
using System.Text;
using Google.Protobuf;
using Kvrpcpb;
using ManagedKv.Node.Server;
using static ManagedKv.Node.Tests.Server.TikvTestCluster;

namespace ManagedKv.Node.Tests.Server;

public sealed class TikvServiceTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    private static ByteString B(string s) => ByteString.CopyFromUtf8(s);

    private static string S(ByteString b) => b.ToStringUtf8();

    private static List<string> Pairs(IEnumerable<KvPair> pairs) => pairs.Select(p => S(p.Key) + "=" + S(p.Value)).ToList();

    [Fact]
    public async Task RawCalls_RoundTrip_OnTheLeadersStore()
    {
        await using TikvTestCluster cluster = await StartAsync(null, ("", ""));
        Tikvpb.Tikv.TikvClient c = cluster.Client(cluster.WaitForLeaders()[0]);

        RawPutResponse put = await c.RawPutAsync(new RawPutRequest { Context = Ctx(1), Key = B("a"), Value = B("1") });
        Assert.Null(put.RegionError);
        Assert.Empty(put.Error);
        RawGetResponse got = await c.RawGetAsync(new RawGetRequest { Context = Ctx(1), Key = B("a") });
        Assert.Null(got.RegionError);
        Assert.False(got.NotFound);
        Assert.Equal("1", S(got.Value));
        Assert.True((await c.RawGetAsync(new RawGetRequest { Context = Ctx(1), Key = B("nope") })).NotFound);

        var batch = new RawBatchPutRequest { Context = Ctx(1), Cf = "default" };
        foreach (string k in new[] { "b", "c", "d", "e" })
        {
            batch.Pairs.Add(new KvPair { Key = B(k), Value = B(k + k) });
        }

        RawBatchPutResponse batchPut = await c.RawBatchPutAsync(batch);
        Assert.True(batchPut.RegionError is null && batchPut.Error.Length == 0, batchPut.ToString());
        RawBatchGetResponse batchGet = await c.RawBatchGetAsync(new RawBatchGetRequest { Context = Ctx(1), Keys = { B("e"), B("x"), B("b") } });
        Assert.Null(batchGet.RegionError);
        Assert.Equal(["e=ee", "b=bb"], Pairs(batchGet.Pairs)); // present keys only, in request order

        RawScanResponse scan = await c.RawScanAsync(new RawScanRequest { Context = Ctx(1), StartKey = B("b"), EndKey = B("e"), Limit = 10 });
        Assert.Equal(["b=bb", "c=cc", "d=dd"], Pairs(scan.Kvs));
        RawScanResponse limited = await c.RawScanAsync(new RawScanRequest { Context = Ctx(1), StartKey = B(""), Limit = 2, KeyOnly = true });
        Assert.Equal(["a=", "b="], Pairs(limited.Kvs));
        RawScanResponse reverse = await c.RawScanAsync(new RawScanRequest { Context = Ctx(1), StartKey = B("e"), EndKey = B("b"), Limit = 10, Reverse = true });
        Assert.Equal(["d=dd", "c=cc", "b=bb"], Pairs(reverse.Kvs)); // start exclusive, end inclusive
        Assert.Empty((await c.RawScanAsync(new RawScanRequest { Context = Ctx(1), StartKey = B("a"), Limit = 0 })).Kvs);

        RawDeleteResponse del = await c.RawDeleteAsync(new RawDeleteRequest { Context = Ctx(1), Key = B("a") });
        Assert.True(del.RegionError is null && del.Error.Length == 0);
        Assert.True((await c.RawGetAsync(new RawGetRequest { Context = Ctx(1), Key = B("a") })).NotFound);
        RawBatchDeleteResponse batchDel = await c.RawBatchDeleteAsync(new RawBatchDeleteRequest { Context = Ctx(1), Keys = { B("b"), B("c") } });
        Assert.True(batchDel.RegionError is null && batchDel.Error.Length == 0);
        Assert.Equal(["d=dd", "e=ee"], Pairs((await c.RawScanAsync(new RawScanRequest { Context = Ctx(1), Limit = 10 })).Kvs));

        RawCASResponse cas = await c.RawCompareAndSwapAsync(new RawCASRequest { Context = Ctx(1), Key = B("d"), PreviousValue = B("dd"), Value = B("D") });
        Assert.True(cas.Succeed, cas.ToString());
        Assert.Equal("dd", S(cas.PreviousValue));
        RawCASResponse lost = await c.RawCompareAndSwapAsync(new RawCASRequest { Context = Ctx(1), Key = B("d"), PreviousValue = B("dd"), Value = B("X") });
        Assert.False(lost.Succeed);
        Assert.False(lost.PreviousNotExist);
        Assert.Equal("D", S(lost.PreviousValue));
        RawCASResponse create = await c.RawCompareAndSwapAsync(new RawCASRequest { Context = Ctx(1), Key = B("n"), PreviousNotExist = true, Value = B("new") });
        Assert.True(create.Succeed && create.PreviousNotExist);
        RawCASResponse remove = await c.RawCompareAndSwapAsync(new RawCASRequest { Context = Ctx(1), Key = B("n"), PreviousValue = B("new"), Delete = true });
        Assert.True(remove.Succeed);
        Assert.True((await c.RawGetAsync(new RawGetRequest { Context = Ctx(1), Key = B("n") })).NotFound);

        await c.RawPutAsync(new RawPutRequest { Context = Ctx(1), Key = B("t"), Value = B("ttl"), Ttl = 100 });
        RawGetKeyTTLResponse ttl = await c.RawGetKeyTTLAsync(new RawGetKeyTTLRequest { Context = Ctx(1), Key = B("t") });
        Assert.True(ttl.Ttl is > 90 and <= 100 && !ttl.NotFound, ttl.ToString());
        RawGetKeyTTLResponse forever = await c.RawGetKeyTTLAsync(new RawGetKeyTTLRequest { Context = Ctx(1), Key = B("d") });
        Assert.True(forever.Ttl == 0 && !forever.NotFound);
        Assert.True((await c.RawGetKeyTTLAsync(new RawGetKeyTTLRequest { Context = Ctx(1), Key = B("a") })).NotFound);

        RawDeleteRangeResponse range = await c.RawDeleteRangeAsync(new RawDeleteRangeRequest { Context = Ctx(1), StartKey = B("d"), EndKey = B("f") });
        Assert.True(range.RegionError is null && range.Error.Length == 0, range.ToString());
        Assert.Equal(["t=ttl"], Pairs((await c.RawScanAsync(new RawScanRequest { Context = Ctx(1), Limit = 10 })).Kvs));

        // Replicated: every store holds the same data once applied.
        cluster.Kv.WaitConverged();
        List<(Txn.EngineCf, string, string)> expected = cluster.Kv.Store(1).DataDump();
        Assert.Equal(expected, cluster.Kv.Store(2).DataDump());
        Assert.Equal(expected, cluster.Kv.Store(3).DataDump());
    }

    [Fact]
    public async Task AFollower_AnswersNotLeader_NamingTheLeader_AndTheClientRetriesThere()
    {
        await using TikvTestCluster cluster = await StartAsync(null, ("", ""));
        ulong leaderStore = cluster.WaitForLeaders()[0];
        ulong follower = (leaderStore % 3) + 1;

        // As client-go: start at a cached (wrong) store, follow not_leader's leader at once, retry.
        var sw = Stopwatch.StartNew();
        ulong store = follower;
        var tried = new List<ulong>();
        RawPutResponse put;
        while (true)
        {
            Assert.True(sw.Elapsed < s_timeout, "the put never reached the leader: tried " + string.Join(",", tried));
            tried.Add(store);
            var ctx = Ctx(1);
            ctx.Peer = new Metapb.Peer { Id = 100 + store, StoreId = store };
            put = await cluster.Client(store).RawPutAsync(new RawPutRequest { Context = ctx, Key = B("k"), Value = B("v") });
            if (put.RegionError is null)
            {
                break;
            }

            Assert.NotNull(put.RegionError.NotLeader);
            Assert.Equal(1UL, put.RegionError.NotLeader.RegionId);
            if (put.RegionError.NotLeader.Leader is { } leader)
            {
                Assert.Equal(leaderStore, leader.StoreId);
                Assert.Equal(100 + leaderStore, leader.Id);
                store = leader.StoreId;
            }
            else
            {
                await Task.Delay(20); // no leader known yet: back off and retry the same store
            }
        }

        Assert.Empty(put.Error);
        Assert.Equal(follower, tried[0]);
        Assert.Equal(leaderStore, tried[^1]);
        Assert.Equal("v", S((await cluster.Client(leaderStore).RawGetAsync(new RawGetRequest { Context = Ctx(1), Key = B("k") })).Value));

        // Reads on a follower are not served either (no follower/lease reads yet).
        ulong other = (follower % 3) + 1 == leaderStore ? follower : (follower % 3) + 1;
        RawGetResponse followerGet = await cluster.Client(other).RawGetAsync(new RawGetRequest { Context = Ctx(1), Key = B("k") });
        Assert.NotNull(followerGet.RegionError?.NotLeader);
        RawScanResponse followerScan = await cluster.Client(other).RawScanAsync(new RawScanRequest { Context = Ctx(1), Limit = 5 });
        Assert.NotNull(followerScan.RegionError?.NotLeader);
        Assert.Empty(followerScan.Kvs);
    }

    [Fact]
    public async Task StaleEpoch_KeyOutsideTheRegion_UnknownRegion_AndBadRequests_AreAnsweredInTheResponse()
    {
        await using TikvTestCluster cluster = await StartAsync(null, ("", "m"), ("m", ""));
        ulong[] leaders = cluster.WaitForLeaders();
        Tikvpb.Tikv.TikvClient c = cluster.Client(leaders[0]);
        Tikvpb.Tikv.TikvClient c2 = cluster.Client(leaders[1]);
        await c.RawBatchPutAsync(new RawBatchPutRequest { Context = Ctx(1), Pairs = { new KvPair { Key = B("a"), Value = B("1") }, new KvPair { Key = B("l"), Value = B("2") } } });
        await c2.RawPutAsync(new RawPutRequest { Context = Ctx(2), Key = B("x"), Value = B("3") });

        // Stale epoch: epoch_not_match carrying the current region.
        RawGetResponse stale = await c.RawGetAsync(new RawGetRequest { Context = Ctx(1, version: 7), Key = B("a") });
        Assert.NotNull(stale.RegionError?.EpochNotMatch);
        Assert.Equal(1UL, Assert.Single(stale.RegionError.EpochNotMatch.CurrentRegions).Id);
        RawPutResponse stalePut = await c2.RawPutAsync(new RawPutRequest { Context = Ctx(2, version: 0), Key = B("y"), Value = B("4") });
        Assert.NotNull(stalePut.RegionError?.EpochNotMatch);

        // A key outside the region named by the context.
        RawPutResponse outside = await c.RawPutAsync(new RawPutRequest { Context = Ctx(1), Key = B("x"), Value = B("5") });
        Assert.NotNull(outside.RegionError?.KeyNotInRegion);
        Assert.Equal("x", S(outside.RegionError.KeyNotInRegion.Key));
        Assert.Equal("m", S(outside.RegionError.KeyNotInRegion.EndKey));
        RawGetResponse outsideGet = await c2.RawGetAsync(new RawGetRequest { Context = Ctx(2), Key = B("a") });
        Assert.Equal(2UL, outsideGet.RegionError?.KeyNotInRegion?.RegionId);
        RawBatchGetResponse outsideBatch = await c.RawBatchGetAsync(new RawBatchGetRequest { Context = Ctx(1), Keys = { B("a"), B("x") } });
        Assert.NotNull(outsideBatch.RegionError?.KeyNotInRegion);
        RawDeleteRangeResponse outsideRange = await c.RawDeleteRangeAsync(new RawDeleteRangeRequest { Context = Ctx(1), StartKey = B("a"), EndKey = B("z") });
        Assert.NotNull(outsideRange.RegionError?.KeyNotInRegion);

        // A scan must start in its region: forward from [start, end), reverse from (start, end] (empty = the key
        // space's end, only where the region reaches it).
        Errorpb.KeyNotInRegion? notIn = (await c.RawScanAsync(new RawScanRequest { Context = Ctx(1), StartKey = B("n"), Limit = 10 })).RegionError?.KeyNotInRegion;
        Assert.NotNull(notIn);
        Assert.Equal("n", S(notIn.Key));
        Assert.NotNull((await c.RawScanAsync(new RawScanRequest { Context = Ctx(1), Limit = 10, Reverse = true })).RegionError?.KeyNotInRegion);
        Assert.Equal(["l=2", "a=1"], Pairs((await c.RawScanAsync(new RawScanRequest { Context = Ctx(1), StartKey = B("m"), Limit = 10, Reverse = true })).Kvs));
        Assert.NotNull((await c2.RawScanAsync(new RawScanRequest { Context = Ctx(2), StartKey = B("m"), Limit = 10, Reverse = true })).RegionError?.KeyNotInRegion);
        // Scans stop at the region's edge.
        Assert.Equal(["a=1", "l=2"], Pairs((await c.RawScanAsync(new RawScanRequest { Context = Ctx(1), Limit = 10 })).Kvs));
        Assert.Equal(["x=3"], Pairs((await c2.RawScanAsync(new RawScanRequest { Context = Ctx(2), StartKey = B("m"), Limit = 10 })).Kvs));

        // Unknown region, no region id, no context: region_not_found.
        RawGetResponse unknown = await c.RawGetAsync(new RawGetRequest { Context = Ctx(9), Key = B("a") });
        Assert.Equal(9UL, unknown.RegionError?.RegionNotFound?.RegionId);
        Assert.NotNull((await c.RawPutAsync(new RawPutRequest { Context = new Context(), Key = B("a"), Value = B("1") })).RegionError?.RegionNotFound);
        Assert.NotNull((await c.RawScanAsync(new RawScanRequest { Limit = 1 })).RegionError?.RegionNotFound);

        // Other failures: the error string, or one pair's KeyError.abort where the response has no error field.
        RawPutResponse badCf = await c.RawPutAsync(new RawPutRequest { Context = Ctx(1), Key = B("a"), Value = B("1"), Cf = "lock" });
        Assert.Null(badCf.RegionError);
        Assert.Contains("column family", badCf.Error);
        RawDeleteRangeResponse backwards = await c.RawDeleteRangeAsync(new RawDeleteRangeRequest { Context = Ctx(1), StartKey = B("c"), EndKey = B("b") });
        Assert.Contains("end key", backwards.Error);
        RawBatchPutResponse ttls = await c.RawBatchPutAsync(new RawBatchPutRequest
        {
            Context = Ctx(1),
            Pairs = { new KvPair { Key = B("a"), Value = B("1") }, new KvPair { Key = B("b"), Value = B("1") }, new KvPair { Key = B("c"), Value = B("1") } },
            Ttls = { 1, 2 },
        });
        Assert.Contains("ttls", ttls.Error);
        RawScanResponse badScan = await c.RawScanAsync(new RawScanRequest { Context = Ctx(1), Limit = 3, Cf = "write" });
        Assert.Contains("column family", Assert.Single(badScan.Kvs).Error.Abort);

        // Nothing of the refused writes landed.
        Assert.Equal(["a=1", "l=2"], Pairs((await c.RawScanAsync(new RawScanRequest { Context = Ctx(1), Limit = 10 })).Kvs));
        Assert.Equal(["x=3"], Pairs((await c2.RawScanAsync(new RawScanRequest { Context = Ctx(2), StartKey = B("m"), Limit = 10 })).Kvs));
    }

    [Fact]
    public async Task ConcurrentCalls_AllLand_AndAFullWorkerQueue_IsServerIsBusy()
    {
        await using TikvTestCluster cluster = await StartAsync(new TikvServiceOptions { WorkerThreads = 2, QueueCapacity = 4 }, ("", ""));
        ulong leader = cluster.WaitForLeaders()[0];
        Tikvpb.Tikv.TikvClient c = cluster.Client(leader);

        // More concurrent calls than threads + queue slots: the ones refused answer server_is_busy; retried (as
        // client-go backs off and retries) every put lands.
        const int Calls = 40;
        var puts = new Task[Calls];
        for (int i = 0; i < Calls; i++)
        {
            string key = $"k{i:D2}";
            puts[i] = Task.Run(async () =>
            {
                var sw = Stopwatch.StartNew();
                while (true)
                {
                    Assert.True(sw.Elapsed < s_timeout, "put of " + key + " never accepted");
                    RawPutResponse r = await c.RawPutAsync(new RawPutRequest { Context = Ctx(1), Key = B(key), Value = B(key) });
                    Assert.Empty(r.Error);
                    if (r.RegionError is null)
                    {
                        return;
                    }

                    Assert.NotNull(r.RegionError.ServerIsBusy);
                    await Task.Delay(2);
                }
            });
        }

        await Task.WhenAll(puts).WaitAsync(s_timeout);
        RawScanResponse all = await c.RawScanAsync(new RawScanRequest { Context = Ctx(1), Limit = 100, KeyOnly = true });
        Assert.Equal(Calls, all.Kvs.Count);

        // Deterministically: both threads held, the queue full → the next call is server_is_busy at once.
        using var gate = new ManualResetEventSlim();
        KvWorkerPool pool = cluster.Services[(int)leader - 1].Workers;
        var held = new List<Task<int>>();
        using (var running = new CountdownEvent(pool.ThreadCount))
        {
            for (int i = 0; i < pool.ThreadCount; i++)
            {
                Assert.True(pool.TryRun(static s => { s.Running.Signal(); s.Gate.Wait(); return 0; }, (Gate: gate, Running: running), CancellationToken.None, out Task<int> t));
                held.Add(t);
            }

            Assert.True(running.Wait(s_timeout)); // every thread is held
        }

        for (int i = 0; i < pool.QueueCapacity; i++)
        {
            Assert.True(pool.TryRun(static g => { g.Wait(); return 0; }, gate, CancellationToken.None, out Task<int> t));
            held.Add(t);
        }

        RawGetResponse refused = await c.RawGetAsync(new RawGetRequest { Context = Ctx(1), Key = B("k00") });
        Assert.NotNull(refused.RegionError?.ServerIsBusy);
        gate.Set();
        await Task.WhenAll(held).WaitAsync(s_timeout);
        Assert.Equal("k00", S((await c.RawGetAsync(new RawGetRequest { Context = Ctx(1), Key = B("k00") })).Value));
    }
}
