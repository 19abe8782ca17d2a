using System.Diagnostics;
using ManagedKv.Node.Batch;
using ManagedKv.Node.Tests.Batch;

namespace ManagedKv.Node.Tests.Kv;

public sealed class ReadIndexTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    internal static BatchSystemOptions Options(int tickMs = 20) => new()
    {
        RaftThreads = 2,
        ApplyThreads = 2,
        BaseTickInterval = TimeSpan.FromMilliseconds(tickMs),
        MaxSizePerMsg = 64 << 10,
        MaxInflightMsgs = 64,
    };

    [Fact]
    public async Task ReadIndex_AfterWrite_CoversIt_AndTheDataIsOnTheLeadersLsm()
    {
        using var cluster = new BatchTestCluster(3, 2, Options());
        cluster.Store(1).Router.Campaign(1);
        cluster.WaitForLeaders(s_timeout);
        ulong leader = cluster.LeaderStore(1)!.Value;
        Router router = cluster.Store(leader).Router;
        for (int i = 0; i < 20; i++)
        {
            ProposeResult write = await router.ProposeAsync(1, BatchTestCluster.Put($"r0001/k{i}", "v" + i));
            Assert.True(write.IsOk, write.ToString());
            ReadIndexResult read = await router.ReadIndexAsync(1);
            Assert.True(read.IsOk, read.ToString());
            Assert.True(read.ReadIndex >= write.Index, $"read index {read.ReadIndex} < write index {write.Index}");
            Assert.True(read.AppliedIndex >= read.ReadIndex);
            Assert.Equal(1UL, read.Region!.Id);
            Assert.Equal(write.Term, read.Term);
            Assert.Equal("v" + i, cluster.Store(leader).Data()[$"r0001/k{i}"]);
        }

        // Many reads at once all complete, and nothing is left pending.
        var reads = new List<Task<ReadIndexResult>>();
        for (int i = 0; i < 200; i++)
        {
            reads.Add(router.ReadIndexAsync(1));
        }

        foreach (ReadIndexResult r in await Task.WhenAll(reads))
        {
            Assert.True(r.IsOk, r.ToString());
        }

        Assert.Equal(0, router.GetPeer(1)!.PendingReads);
        Assert.Equal(ProposeError.RegionNotFound, (await router.ReadIndexAsync(99)).Error);
    }

    [Fact]
    public async Task ReadIndex_OnAFollower_IsNotLeader_NamingTheLeader()
    {
        using var cluster = new BatchTestCluster(3, 1, Options());
        cluster.Store(2).Router.Campaign(1);
        cluster.WaitForLeaders(s_timeout);
        ulong leader = cluster.LeaderStore(1)!.Value;
        await cluster.ProposeUntilAppliedAsync(1, BatchTestCluster.Put("r0001/a", "1"), s_timeout);
        ulong follower = (leader % 3) + 1;
        var sw = Stopwatch.StartNew();
        ReadIndexResult result;
        do
        {
            Assert.True(sw.Elapsed < s_timeout, "the follower never named the leader");
            result = await cluster.Store(follower).Router.ReadIndexAsync(1);
            Assert.Equal(ProposeError.NotLeader, result.Error);
        }
        while (result.Leader is null);

        Assert.Equal(leader, result.Leader.StoreId);
        Assert.Equal(100 + leader, result.Leader.Id);
    }

    [Fact]
    public async Task PendingReads_OfADeposedLeader_NeverCompleteOk()
    {
        using var cluster = new BatchTestCluster(3, 1, Options());
        cluster.Store(1).Router.Campaign(1);
        cluster.WaitForLeaders(s_timeout);
        Assert.Equal(1UL, cluster.LeaderStore(1));
        await cluster.ProposeUntilAppliedAsync(1, BatchTestCluster.Put("r0001/a", "1"), s_timeout);

        // Isolated, the leader cannot confirm its leadership: the reads wait, then fail once it steps down.
        cluster.Transport.Isolate(1);
        var reads = new List<Task<ReadIndexResult>>();
        for (int i = 0; i < 10; i++)
        {
            reads.Add(cluster.Store(1).Router.ReadIndexAsync(1));
        }

        var sw = Stopwatch.StartNew();
        while (!cluster.Store(2).Router.GetPeer(1)!.IsLeader && !cluster.Store(3).Router.GetPeer(1)!.IsLeader)
        {
            Assert.True(sw.Elapsed < s_timeout, "no new leader among the majority");
            Thread.Sleep(10);
        }

        ulong newLeader = cluster.Store(2).Router.GetPeer(1)!.IsLeader ? 2UL : 3UL;
        ProposeResult ok = await cluster.Store(newLeader).Router.ProposeAsync(1, BatchTestCluster.Put("r0001/b", "2"));
        Assert.True(ok.IsOk, ok.ToString());
        cluster.Transport.Heal();
        Assert.True(Task.WhenAll(reads).Wait(s_timeout), "a pending read was never answered");
        foreach (Task<ReadIndexResult> t in reads)
        {
            Assert.Contains(t.Result.Error, new[] { ProposeError.NotLeader, ProposeError.StaleCommand });
        }

        Assert.Equal(0, cluster.Store(1).Router.GetPeer(1)!.PendingReads);
        ReadIndexResult fresh = await cluster.Store(newLeader).Router.ReadIndexAsync(1);
        Assert.True(fresh.IsOk, fresh.ToString());
        Assert.True(fresh.ReadIndex >= ok.Index);
    }

    [Fact]
    public async Task LeaderTransfer_OldLeaderReads_AreNotLeader_NewLeaderReadsCoverWrites()
    {
        using var cluster = new BatchTestCluster(3, 1, Options());
        cluster.Store(1).Router.Campaign(1);
        cluster.WaitForLeaders(s_timeout);
        ProposeResult first = await cluster.Store(1).Router.ProposeAsync(1, BatchTestCluster.Put("r0001/a", "1"));
        Assert.True(first.IsOk, first.ToString());
        var racing = new List<Task<ReadIndexResult>>();
        var sw = Stopwatch.StartNew();
        while (cluster.LeaderStore(1) != 2)
        {
            Assert.True(sw.Elapsed < s_timeout, "leadership did not move");
            racing.Add(cluster.Store(1).Router.ReadIndexAsync(1));
            cluster.Store(1).Router.TransferLeader(1, 102);
            Thread.Sleep(20);
        }

        Assert.True(Task.WhenAll(racing).Wait(s_timeout), "a read racing the transfer was never answered");
        foreach (Task<ReadIndexResult> t in racing)
        {
            ReadIndexResult r = t.Result;
            Assert.True(r.IsOk ? r.ReadIndex >= first.Index && r.Term == first.Term : r.Error is ProposeError.NotLeader or ProposeError.StaleCommand, r.ToString());
        }

        ReadIndexResult old;
        do
        {
            Assert.True(sw.Elapsed < s_timeout, "the old leader kept answering reads");
            old = await cluster.Store(1).Router.ReadIndexAsync(1);
        }
        while (old.IsOk);

        Assert.Equal(ProposeError.NotLeader, old.Error);
        ProposeResult second = await cluster.Store(2).Router.ProposeAsync(1, BatchTestCluster.Put("r0001/b", "2"));
        Assert.True(second.IsOk, second.ToString());
        ReadIndexResult read = await cluster.Store(2).Router.ReadIndexAsync(1);
        Assert.True(read.IsOk && read.ReadIndex >= second.Index && read.Term > first.Term, read.ToString());
    }

    [Fact]
    public async Task Shutdown_FailsPendingReads_StoreStopped()
    {
        using var cluster = new BatchTestCluster(3, 1, Options());
        cluster.Store(1).Router.Campaign(1);
        cluster.WaitForLeaders(s_timeout);
        await cluster.ProposeUntilAppliedAsync(1, BatchTestCluster.Put("r0001/a", "1"), s_timeout);
        cluster.Transport.Isolate(1);
        Router router = cluster.Store(1).Router;
        Task<ReadIndexResult> pending = router.ReadIndexAsync(1);
        cluster.Store(1).Close();
        Assert.True(pending.Wait(s_timeout));
        Assert.Contains(pending.Result.Error, new[] { ProposeError.StoreStopped, ProposeError.NotLeader });
        Assert.Equal(ProposeError.StoreStopped, (await router.ReadIndexAsync(1)).Error);
    }
}
