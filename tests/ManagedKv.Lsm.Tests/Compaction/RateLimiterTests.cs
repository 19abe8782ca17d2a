using ManagedKv.Lsm.Tests.Db;

namespace ManagedKv.Lsm.Tests.Compaction;

public sealed class RateLimiterTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(100);

    // 1000 B/s, 100 ms refills: 100 bytes per refill.
    private static (RateLimiter Limiter, FakeTimeProvider Clock) NewLimiter(int fairness = 10)
    {
        var clock = new FakeTimeProvider();
        return (new RateLimiter(1000, s_period, fairness, clock), clock);
    }

    /// <summary>Runs a request on its own thread (not the thread pool, which blocked requests could starve).</summary>
    private static Thread Start(RateLimiter limiter, long bytes, IoPriority priority, int waitingAfter)
    {
        var t = new Thread(() => limiter.Request(bytes, priority)) { IsBackground = true };
        t.Start();
        Assert.True(SpinWait.SpinUntil(() => limiter.WaitingRequests == waitingAfter, 5000), "the request did not queue");
        return t;
    }

    private static void AdvanceUntil(FakeTimeProvider clock, Func<bool> done, int maxPeriods, out int periods)
    {
        periods = 0;
        while (!done())
        {
            Assert.True(periods < maxPeriods, $"not done after {periods} refill periods");
            clock.Advance(s_period);
            periods++;
            SpinWait.SpinUntil(done, 1000); // a waiter polls a fake clock at least once per period of real time
        }
    }

    [Fact]
    public void RequestsWithinOneRefillAreGrantedAtOnce()
    {
        (RateLimiter limiter, _) = NewLimiter();
        Assert.Equal(100, limiter.SingleBurstBytes);
        limiter.Request(60, IoPriority.Low);
        limiter.Request(40, IoPriority.High);
        Assert.Equal(100, limiter.GetTotalBytesThrough());
        Assert.Equal(60, limiter.GetTotalBytesThrough(IoPriority.Low));
        Assert.Equal(40, limiter.GetTotalBytesThrough(IoPriority.High));
        Assert.Equal(2, limiter.GetTotalRequests());
        Assert.Equal(TimeSpan.Zero, limiter.TotalWaitTime);
    }

    [Fact]
    public void ARequestBeyondTheBudgetWaitsForTheNextRefill()
    {
        (RateLimiter limiter, FakeTimeProvider clock) = NewLimiter();
        limiter.Request(100, IoPriority.Low);
        Thread waiting = Start(limiter, 50, IoPriority.Low, waitingAfter: 1);
        Assert.False(waiting.Join(150), "granted without a refill");
        AdvanceUntil(clock, () => !waiting.IsAlive, maxPeriods: 3, out int periods);
        Assert.Equal(1, periods);
        Assert.Equal(150, limiter.GetTotalBytesThrough());
        Assert.True(limiter.TotalWaitTime >= s_period);
    }

    [Fact]
    public void ALargeRequestIsServedInRefillSizedPieces()
    {
        (RateLimiter limiter, FakeTimeProvider clock) = NewLimiter();
        Thread big = Start(limiter, 450, IoPriority.High, waitingAfter: 1);
        // 100 bytes now, then 100 per refill: four more refills.
        AdvanceUntil(clock, () => !big.IsAlive, maxPeriods: 10, out int periods);
        Assert.Equal(4, periods);
        Assert.Equal(450, limiter.GetTotalBytesThrough(IoPriority.High));
        Assert.Equal(1, limiter.GetTotalRequests(IoPriority.High));
    }

    [Fact]
    public void HighPriorityIsServedFirst()
    {
        (RateLimiter limiter, FakeTimeProvider clock) = NewLimiter(fairness: int.MaxValue);
        limiter.Request(100, IoPriority.Low); // budget spent
        Thread low = Start(limiter, 100, IoPriority.Low, waitingAfter: 1);
        Thread high = Start(limiter, 100, IoPriority.High, waitingAfter: 2);
        AdvanceUntil(clock, () => !high.IsAlive, maxPeriods: 3, out int periods);
        Assert.Equal(1, periods);
        Assert.True(low.IsAlive);
        AdvanceUntil(clock, () => !low.IsAlive, maxPeriods: 3, out periods);
        Assert.Equal(1, periods);
    }

    [Fact]
    public void FairnessOneServesLowPriorityFirst()
    {
        (RateLimiter limiter, FakeTimeProvider clock) = NewLimiter(fairness: 1);
        limiter.Request(100, IoPriority.High);
        Thread high = Start(limiter, 100, IoPriority.High, waitingAfter: 1);
        Thread low = Start(limiter, 100, IoPriority.Low, waitingAfter: 2);
        AdvanceUntil(clock, () => !low.IsAlive, maxPeriods: 3, out int periods);
        Assert.Equal(1, periods);
        Assert.True(high.IsAlive);
        AdvanceUntil(clock, () => !high.IsAlive, maxPeriods: 3, out _);
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimiter(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimiter(1000, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimiter(1000, fairness: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimiter(1000).Request(-1, IoPriority.Low));
    }

    [Fact]
    public void FlushesAndCompactionsOfTwoDbsAreChargedToOneLimiter()
    {
        using var dir = new TempDir();
        var limiter = new RateLimiter(1L << 30); // generous: accounting, not throttling
        var dbs = new List<LsmDb>();
        try
        {
            for (int d = 0; d < 2; d++)
            {
                DbOptions o = TestOptions.Small();
                o.RateLimiter = limiter;
                o.DefaultColumnFamilyOptions.DisableAutoCompactions = true;
                LsmDb db = LsmDb.Open(dir.Sub("db" + d), o);
                dbs.Add(db);
                for (int i = 0; i < 2000; i++)
                {
                    db.Put(System.Text.Encoding.UTF8.GetBytes($"k{i % 700:D5}"), new byte[50]);
                }
                db.Flush();
                db.CompactRange();
            }
            long flushBytes = dbs.Sum(db => db.FlushBytesWritten);
            long compactionBytes = dbs.Sum(db => db.CompactionBytesWritten);
            Assert.True(flushBytes > 0 && compactionBytes > 0);
            // Every byte of every SST goes through the limiter: flushes at high priority, compactions at low.
            Assert.Equal(flushBytes, limiter.GetTotalBytesThrough(IoPriority.High));
            Assert.Equal(compactionBytes, limiter.GetTotalBytesThrough(IoPriority.Low));
        }
        finally
        {
            foreach (LsmDb db in dbs)
            {
                db.Dispose();
            }
        }
    }

    [Fact]
    public void ASlowLimiterThrottlesFlushes()
    {
        using var dir = new TempDir();
        var limiter = new RateLimiter(200 << 10, TimeSpan.FromMilliseconds(10)); // 200 KiB/s
        DbOptions o = TestOptions.Small();
        o.RateLimiter = limiter;
        using LsmDb db = LsmDb.Open(dir.Path, o);
        for (int i = 0; i < 1000; i++)
        {
            db.Put(System.Text.Encoding.UTF8.GetBytes($"k{i:D5}"), new byte[100]);
        }
        var sw = System.Diagnostics.Stopwatch.StartNew();
        db.Flush();
        // About 110 KB at 200 KiB/s, less the first refill: at least ~0.4 s.
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(350), $"flush took {sw.Elapsed}");
        Assert.True(limiter.TotalWaitTime > TimeSpan.Zero);
    }
}
