namespace ManagedKv.Raft.Tests;

public sealed class ProgressTests
{
    private static Progress NewProgress(ProgressState state, ulong match, ulong next)
    {
        var pr = new Progress(next, 256, false) { Match = match };
        if (state == ProgressState.Replicate)
        {
            pr.State = ProgressState.Replicate;
        }
        else if (state == ProgressState.Snapshot)
        {
            pr.BecomeSnapshot(10);
            pr.Match = match;
            pr.Next = next;
        }

        return pr;
    }

    [Fact]
    public void ProbeSendsOneAtATime()
    {
        Progress pr = NewProgress(ProgressState.Probe, 0, 1);
        Assert.False(pr.IsPaused);
        pr.SentEntries(3);
        Assert.True(pr.IsPaused);

        // The next index does not move optimistically while probing.
        Assert.Equal(1UL, pr.Next);
        Assert.True(pr.MaybeUpdate(3));
        Assert.False(pr.IsPaused);
    }

    [Fact]
    public void ReplicateStreamsUntilTheWindowIsFull()
    {
        var pr = new Progress(6, 2, false) { Match = 5 };
        pr.BecomeReplicate();
        pr.SentEntries(2);
        Assert.Equal(8UL, pr.Next);
        Assert.False(pr.IsPaused);
        pr.SentEntries(2);
        Assert.True(pr.IsPaused);
        Assert.True(pr.MaybeUpdate(7));
        pr.Inflights.FreeLE(7);
        Assert.False(pr.IsPaused);
    }

    [Theory]
    // Replicate: a rejection at or below Match is stale; otherwise Next falls back to Match + 1.
    [InlineData(ProgressState.Replicate, 5UL, 10UL, 5UL, 5UL, false, 10UL)]
    [InlineData(ProgressState.Replicate, 5UL, 10UL, 4UL, 4UL, false, 10UL)]
    [InlineData(ProgressState.Replicate, 5UL, 10UL, 9UL, 9UL, true, 6UL)]
    // Probe: only the answer to the outstanding probe (Next - 1) counts; the hint moves Next down fast.
    [InlineData(ProgressState.Probe, 0UL, 0UL, 0UL, 0UL, false, 0UL)]
    [InlineData(ProgressState.Probe, 0UL, 10UL, 5UL, 5UL, false, 10UL)]
    [InlineData(ProgressState.Probe, 0UL, 10UL, 9UL, 9UL, true, 9UL)]
    [InlineData(ProgressState.Probe, 0UL, 2UL, 1UL, 1UL, true, 1UL)]
    [InlineData(ProgressState.Probe, 0UL, 10UL, 9UL, 2UL, true, 3UL)]
    [InlineData(ProgressState.Probe, 0UL, 10UL, 9UL, 0UL, true, 1UL)]
    public void MaybeDecrTo(ProgressState state, ulong match, ulong next, ulong rejected, ulong hint, bool expectOk, ulong expectNext)
    {
        Progress pr = NewProgress(state, match, next);
        Assert.Equal(expectOk, pr.MaybeDecrTo(rejected, hint));
        Assert.Equal(match, pr.Match);
        Assert.Equal(expectNext, pr.Next);
    }

    [Fact]
    public void SnapshotPausesAndProbesPastTheSnapshot()
    {
        var pr = new Progress(3, 16, false) { Match = 2 };
        pr.BecomeSnapshot(10);
        Assert.True(pr.IsPaused);
        Assert.Equal(10UL, pr.PendingSnapshot);
        pr.BecomeProbe();
        Assert.Equal(11UL, pr.Next);
    }
}
