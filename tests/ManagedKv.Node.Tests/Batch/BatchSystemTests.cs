using System.Collections.Concurrent;
using System.Diagnostics;
using ManagedKv.Node.Batch;
using ManagedKv.Raft;
using Xunit.Abstractions;

namespace ManagedKv.Node.Tests.Batch;

public sealed class BatchSystemTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private static bool Soak => Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1";

    private static int Seed()
    {
        string? s = Environment.GetEnvironmentVariable("MANAGEDKV_SEED");
        return s is null ? Random.Shared.Next() : int.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static BatchSystemOptions Options(int raftThreads = 2, int messagesPerRound = 4096, int tickMs = 50) => new()
    {
        RaftThreads = raftThreads,
        ApplyThreads = 2,
        MessagesPerRound = messagesPerRound,
        BaseTickInterval = TimeSpan.FromMilliseconds(tickMs),
        RaftLogGcTicks = 4,
        RaftLogGcThreshold = 20,
        MaxSizePerMsg = 64 << 10,
        MaxInflightMsgs = 64,
    };

    [Fact]
    public async Task ProposalsFromManyThreads_ApplyOnce_AndAllStoresConverge()
    {
        int seed = Seed();
        output.WriteLine($"seed {seed}");
        int regions = Soak ? 1000 : 200;
        int threads = 8;
        int perThread = Soak ? 2000 : 500;
        using var cluster = new BatchTestCluster(3, regions, Options());
        cluster.CampaignSpread();
        cluster.WaitForLeaders(s_timeout);

        var expected = new ConcurrentDictionary<string, string>();
        var sw = Stopwatch.StartNew();
        var workers = new Task[threads];
        for (int t = 0; t < threads; t++)
        {
            int thread = t;
            workers[t] = Task.Run(async () =>
            {
                var rng = new Random(seed + thread);
                var inflight = new List<Task<int>>();
                for (int i = 0; i < perThread; i++)
                {
                    ulong region = (ulong)rng.Next(1, regions + 1);
                    string key = $"r{region:D4}/t{thread}/k{i:D6}";
                    string value = $"v{rng.Next():X8}";
                    expected[key] = value;
                    inflight.Add(cluster.ProposeUntilAppliedAsync(region, BatchTestCluster.Put(key, value), s_timeout));
                    if (inflight.Count >= 32)
                    {
                        await Task.WhenAll(inflight);
                        inflight.Clear();
                    }
                }

                await Task.WhenAll(inflight);
            });
        }

        await Task.WhenAll(workers);
        double seconds = sw.Elapsed.TotalSeconds;
        cluster.WaitConverged(s_timeout);
        cluster.AssertData(expected);
        long writes = cluster.Stores.Sum(s => s.System!.Writer.WriteCount);
        long tasks = cluster.Stores.Sum(s => s.System!.Writer.TaskCount);
        output.WriteLine($"{expected.Count} proposals over {regions} regions in {seconds:F2} s ({expected.Count / seconds:F0}/s); " +
            $"store writes {writes}, tasks {tasks} ({(double)tasks / Math.Max(1, writes):F1} per fsync); messages {cluster.Transport.Sent}");
        foreach (BatchTestStore s in cluster.Stores)
        {
            Assert.Equal(0, s.Router.PendingProposals);
            Assert.Equal(0, s.Router.ApplyQueueBytes);
        }
    }

    [Fact]
    public async Task NotLeader_NamesTheNewLeader_AfterTransfer()
    {
        using var cluster = new BatchTestCluster(3, 4, Options());
        cluster.CampaignSpread();
        cluster.WaitForLeaders(s_timeout);
        const ulong region = 2;
        ulong oldLeader = cluster.LeaderStore(region)!.Value;
        await cluster.ProposeUntilAppliedAsync(region, BatchTestCluster.Put("r0002/a", "1"), s_timeout);

        ulong newLeader = (oldLeader % 3) + 1;
        var sw = Stopwatch.StartNew();
        while (cluster.LeaderStore(region) != newLeader)
        {
            Assert.True(sw.Elapsed < s_timeout, "leadership did not move");
            cluster.Store(oldLeader).Router.TransferLeader(region, (region * 100) + newLeader);
            Thread.Sleep(50);
        }

        // The old leader learns of the new one from its first message.
        ProposeResult result;
        do
        {
            Assert.True(sw.Elapsed < s_timeout, "the old leader never named the new one");
            result = await cluster.Store(oldLeader).Router.ProposeAsync(region, BatchTestCluster.Put("r0002/b", "2"));
            Assert.Equal(ProposeError.NotLeader, result.Error);
        }
        while (result.Leader is null);

        Assert.Equal(newLeader, result.Leader.StoreId);
        Assert.Equal((region * 100) + newLeader, result.Leader.Id);
        ProposeResult ok = await cluster.Store(newLeader).Router.ProposeAsync(region, BatchTestCluster.Put("r0002/b", "2"));
        Assert.True(ok.IsOk, ok.ToString());
        cluster.WaitConverged(s_timeout);
        cluster.AssertData(new Dictionary<string, string> { ["r0002/a"] = "1", ["r0002/b"] = "2" });
    }

    [Fact]
    public async Task UnknownRegion_IsCountedAndRefused()
    {
        using var cluster = new BatchTestCluster(3, 2, Options());
        Router router = cluster.Store(1).Router;
        Assert.False(router.Send(99, new Message { Type = MessageType.MsgHeartbeat, From = 9902, To = 9901, Term = 1 }));
        Assert.Equal(1, router.UnknownRegionMessages);
        ProposeResult result = await router.ProposeAsync(99, BatchTestCluster.Put("x", "y"));
        Assert.Equal(ProposeError.RegionNotFound, result.Error);
    }

    [Fact]
    public async Task RestartedStore_RecoversFromDisk_AndConverges()
    {
        int seed = Seed();
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        int regions = Soak ? 300 : 60;
        using var cluster = new BatchTestCluster(3, regions, Options(tickMs: 20));
        cluster.CampaignSpread();
        cluster.WaitForLeaders(s_timeout);
        var expected = new Dictionary<string, string>();
        async Task Write(int count, string phase)
        {
            var tasks = new List<Task<int>>();
            for (int i = 0; i < count; i++)
            {
                ulong region = (ulong)rng.Next(1, regions + 1);
                string key = $"r{region:D4}/{phase}{i:D5}";
                string value = $"v{rng.Next():X8}";
                expected[key] = value;
                tasks.Add(cluster.ProposeUntilAppliedAsync(region, BatchTestCluster.Put(key, value), s_timeout));
            }

            await Task.WhenAll(tasks);
        }

        await Write(Soak ? 5000 : 600, "a");
        BatchTestStore down = cluster.Store(3);
        down.Close();
        await Write(Soak ? 5000 : 600, "b"); // regions led by store 3 elect a new leader first
        down.OpenEngines();
        down.Start();
        await Write(Soak ? 2000 : 200, "c");
        cluster.WaitConverged(s_timeout);
        cluster.AssertData(expected);
    }

    [Fact]
    public async Task HotRegion_DoesNotStarveAColdOne()
    {
        // One raft thread, 16 messages per mailbox per round. The raft thread is held (inside a send) while a hot region's
        // mailbox fills with 50000 proposals and a cold region gets one; once released, the cold proposal goes out in
        // the very next round, with the hot mailbox still nearly full. An unbounded drain (MessagesPerRound = 1e6)
        // leaves the hot mailbox empty by then.
        using var cluster = new BatchTestCluster(3, 2, Options(raftThreads: 1, messagesPerRound: 16));
        cluster.Store(1).Router.Campaign(1);
        cluster.Store(1).Router.Campaign(2);
        cluster.WaitForLeaders(s_timeout);
        Assert.Equal(1UL, cluster.LeaderStore(1));
        Assert.Equal(1UL, cluster.LeaderStore(2));
        Router router = cluster.Store(1).Router;
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        int armed = 1;
        int hotQueuedWhenColdSent = -1;
        cluster.Transport.OnSend = (from, region, m) =>
        {
            if (from != 1)
            {
                return;
            }

            if (Interlocked.Exchange(ref armed, 0) == 1)
            {
                held.Set();
                release.Wait();
            }

            if (region == 2 && m.Type == MessageType.MsgAppend && !m.Entries.IsEmpty && hotQueuedWhenColdSent < 0)
            {
                hotQueuedWhenColdSent = router.GetPeer(1)!.QueuedMessages;
            }
        };

        Assert.True(held.Wait(s_timeout), "store 1's raft thread never sent");
        const int hot = 50000;
        var hotTasks = new Task<ProposeResult>[hot];
        for (int i = 0; i < hot; i++)
        {
            hotTasks[i] = router.ProposeAsync(1, BatchTestCluster.Put($"r0001/h{i:D6}", "x"));
        }

        Task<ProposeResult> coldTask = router.ProposeAsync(2, BatchTestCluster.Put("r0002/cold", "y"));
        release.Set();
        ProposeResult cold = await coldTask;
        int hotDone = hotTasks.Count(t => t.IsCompleted);
        output.WriteLine($"cold applied at index {cold.Index}; {hotQueuedWhenColdSent} hot proposals were queued when it went out, {hotDone}/{hot} done when it applied");
        Assert.True(cold.IsOk, cold.ToString());
        Assert.True(hotQueuedWhenColdSent > hot - 1000, $"only {hotQueuedWhenColdSent} of {hot} hot proposals still queued when the cold one went out");
        ProposeResult[] results = await Task.WhenAll(hotTasks);
        Assert.All(results, r => Assert.True(r.IsOk, r.ToString()));
    }

    [Fact]
    public async Task Shutdown_AnswersEveryProposal_AndLeavesNoWork()
    {
        using var cluster = new BatchTestCluster(3, 8, Options());
        cluster.CampaignSpread();
        cluster.WaitForLeaders(s_timeout);
        BatchTestStore store = cluster.Store(1);
        Router router = store.Router;
        var tasks = new List<Task<ProposeResult>>();
        for (int i = 0; i < 5000; i++)
        {
            ulong region = (ulong)(i % 8) + 1;
            tasks.Add(router.ProposeAsync(region, BatchTestCluster.Put($"r{region:D4}/s{i:D5}", "v")));
        }

        store.Close();
        Assert.True(Task.WhenAll(tasks).Wait(s_timeout), "some proposal never answered");
        foreach (Task<ProposeResult> t in tasks)
        {
            Assert.Contains(t.Result.Error, new[] { ProposeError.None, ProposeError.NotLeader, ProposeError.StoreStopped, ProposeError.StaleCommand });
        }

        Assert.Equal(0, router.QueuedMessages);
        Assert.Equal(0, router.PendingProposals);
        ProposeResult after = await router.ProposeAsync(1, BatchTestCluster.Put("r0001/late", "v"));
        Assert.Equal(ProposeError.StoreStopped, after.Error);
    }

    [Fact]
    public async Task ProposalOfAnIsolatedLeader_IsAnsweredStale_AfterTheNewLeaderWins()
    {
        using var cluster = new BatchTestCluster(3, 1, Options(tickMs: 20));
        cluster.Store(1).Router.Campaign(1);
        cluster.WaitForLeaders(s_timeout);
        Assert.Equal(1UL, cluster.LeaderStore(1));
        await cluster.ProposeUntilAppliedAsync(1, BatchTestCluster.Put("r0001/a", "1"), s_timeout);

        // Appended by the old leader (term t) but never replicated: a new leader (term > t) replaces it.
        cluster.Transport.Isolate(1);
        Task<ProposeResult> lost = cluster.Store(1).Router.ProposeAsync(1, BatchTestCluster.Put("r0001/lost", "x"));
        var sw = Stopwatch.StartNew();
        while (!cluster.Store(2).Router.GetPeer(1)!.IsLeader && !cluster.Store(3).Router.GetPeer(1)!.IsLeader)
        {
            Assert.True(sw.Elapsed < s_timeout, "no new leader among the majority");
            Thread.Sleep(10);
        }

        ulong newLeader = cluster.Store(2).Router.GetPeer(1)!.IsLeader ? 2UL : 3UL;
        ProposeResult ok = await cluster.Store(newLeader).Router.ProposeAsync(1, BatchTestCluster.Put("r0001/b", "2"));
        Assert.True(ok.IsOk, ok.ToString());
        Assert.False(lost.IsCompleted, "the isolated leader answered before it heard of the new term");
        cluster.Transport.Heal();
        Assert.True(lost.Wait(s_timeout), "the lost proposal was never answered");
        Assert.Equal(ProposeError.StaleCommand, lost.Result.Error);
        Assert.True(lost.Result.Term > 1, lost.Result.ToString()); // the replacing entry's term, after the first leader's
        cluster.WaitConverged(s_timeout);
        cluster.AssertData(new Dictionary<string, string> { ["r0001/a"] = "1", ["r0001/b"] = "2" });
    }

    [Fact]
    public async Task FailingApply_StopsTheStore_AndAnswersStoreStopped()
    {
        using var cluster = new BatchTestCluster(3, 2, Options());
        cluster.Store(1).Router.Campaign(1);
        cluster.WaitForLeaders(s_timeout);
        await cluster.ProposeUntilAppliedAsync(1, BatchTestCluster.Put("r0001/a", "1"), s_timeout);
        foreach (BatchTestStore s in cluster.Stores)
        {
            s.ExpectFatal = true; // every store applies the poison
        }

        // Key length 255 with no key: PutApplier's slice throws on every store's apply thread.
        ProposeResult poisoned = await cluster.Store(1).Router.ProposeAsync(1, [255]);
        Assert.Equal(ProposeError.StoreStopped, poisoned.Error);
        var sw = Stopwatch.StartNew();
        foreach (BatchTestStore s in cluster.Stores)
        {
            while (s.System!.FatalError is null)
            {
                Assert.True(sw.Elapsed < s_timeout, $"store {s.Id} did not stop");
                Thread.Sleep(10);
            }
        }

        ProposeResult after = await cluster.Store(1).Router.ProposeAsync(2, BatchTestCluster.Put("r0002/b", "2"));
        Assert.Equal(ProposeError.StoreStopped, after.Error);
        Assert.Equal(0, cluster.Store(1).Router.PendingProposals);
    }

    [Fact]
    public void ManualClock_NothingTicksUntilTheOwnerTicks()
    {
        using var cluster = new BatchTestCluster(3, 10, Options(tickMs: 0));
        Thread.Sleep(300);
        for (ulong r = 1; r <= 10; r++)
        {
            Assert.Null(cluster.LeaderStore(r)); // no timer: no election timeout fires
        }

        var sw = Stopwatch.StartNew();
        while (Enumerable.Range(1, 10).Any(r => cluster.LeaderStore((ulong)r) is null))
        {
            Assert.True(sw.Elapsed < s_timeout, "ticks from the owner elected no leaders");
            foreach (BatchTestStore s in cluster.Stores)
            {
                s.Router.TickAll();
            }

            Thread.Sleep(5);
        }
    }

    [Fact]
    public async Task LogGc_CompactsThroughTheApplyFsm_AndARestartKeepsEverything()
    {
        int seed = Seed();
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        const int regions = 4;
        using var cluster = new BatchTestCluster(3, regions, Options(tickMs: 20));
        cluster.CampaignSpread();
        cluster.WaitForLeaders(s_timeout);
        var expected = new Dictionary<string, string>();
        var tasks = new List<Task<int>>();
        for (int i = 0; i < 800; i++)
        {
            ulong region = (ulong)(i % regions) + 1;
            string key = $"r{region:D4}/g{i:D5}";
            string value = $"v{rng.Next():X8}";
            expected[key] = value;
            tasks.Add(cluster.ProposeUntilAppliedAsync(region, BatchTestCluster.Put(key, value), s_timeout));
        }

        await Task.WhenAll(tasks);

        // The raft-log-gc tick (every 4 base ticks, threshold 20) compacts every replica's log.
        var sw = Stopwatch.StartNew();
        foreach (BatchTestStore s in cluster.Stores)
        {
            for (ulong r = 1; r <= regions; r++)
            {
                while (s.Router.GetPeer(r)!.Peer.Storage.FirstIndex() < 150)
                {
                    Assert.True(sw.Elapsed < s_timeout, $"store {s.Id} region {r}: log not compacted, first index {s.Router.GetPeer(r)!.Peer.Storage.FirstIndex()}");
                    Thread.Sleep(20);
                }
            }
        }

        // A forced compaction (what the RaftEngine purge asks for) truncates at the apply FSM's applied index.
        cluster.WaitConverged(s_timeout);
        PeerFsm follower = cluster.Store((cluster.LeaderStore(1)!.Value % 3) + 1).Router.GetPeer(1)!;
        ulong applied = follower.Apply.AppliedIndex;
        Assert.True(cluster.Store((cluster.LeaderStore(1)!.Value % 3) + 1).Router.Post(1, PeerMessage.Of(PeerMessageKind.ForceCompact)));
        while (follower.Peer.Storage.FirstIndex() < applied + 1)
        {
            Assert.True(sw.Elapsed < s_timeout, $"forced compaction did not reach {applied}: first index {follower.Peer.Storage.FirstIndex()}");
            Thread.Sleep(10);
        }

        BatchTestStore restarted = cluster.Store(2);
        restarted.Close();
        restarted.OpenEngines();
        restarted.Start();
        await cluster.ProposeUntilAppliedAsync(1, BatchTestCluster.Put("r0001/after", "x"), s_timeout);
        expected["r0001/after"] = "x";
        cluster.WaitConverged(s_timeout);
        cluster.AssertData(expected);
    }
}
