using ManagedKv.Node.Server;

namespace ManagedKv.Node.Tests.Server;

public sealed class KvWorkerPoolTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Runs_OnItsOwnThreads_AndPassesResultsAndExceptions()
    {
        using var pool = new KvWorkerPool(2, 8, "test-worker");
        Assert.True(pool.TryRun(static s => s + ":" + Thread.CurrentThread.Name, "x", CancellationToken.None, out Task<string> named));
        string result = await named.WaitAsync(s_timeout);
        Assert.StartsWith("x:test-worker-", result);
        Assert.True(pool.TryRun<int, int>(static _ => throw new InvalidDataException("boom"), 0, CancellationToken.None, out Task<int> failed));
        await Assert.ThrowsAsync<InvalidDataException>(() => failed.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task FullQueue_IsRefused_CanceledItemsAreSkipped_AndDisposeDrains()
    {
        var pool = new KvWorkerPool(1, 2);
        using var gate = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        Assert.True(pool.TryRun(static g => { g.Started.Set(); g.Gate.Wait(); return 1; }, (Gate: gate, Started: started), CancellationToken.None, out Task<int> blocker));
        Assert.True(started.Wait(s_timeout)); // the one thread is busy, the queue is empty
        using var cts = new CancellationTokenSource();
        Assert.True(pool.TryRun(static _ => 2, 0, cts.Token, out Task<int> canceled));
        Assert.True(pool.TryRun(static _ => 3, 0, CancellationToken.None, out Task<int> third));
        Assert.Equal(2, pool.Queued);
        Assert.False(pool.TryRun(static _ => 4, 0, CancellationToken.None, out _)); // bounded: refused, not queued
        cts.Cancel();
        gate.Set();
        Assert.Equal(1, await blocker.WaitAsync(s_timeout));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.WaitAsync(s_timeout));
        Assert.True(pool.TryRun(static _ => 5, 0, CancellationToken.None, out Task<int> fifth));
        pool.Dispose(); // runs what is queued, then joins
        Assert.True(third.IsCompletedSuccessfully && fifth.IsCompletedSuccessfully);
        Assert.Equal(3, third.Result);
        Assert.Equal(5, fifth.Result);
        Assert.False(pool.TryRun(static _ => 6, 0, CancellationToken.None, out _));
    }
}
