using ManagedKv.Node.Pd;

namespace ManagedKv.Node.Tests.Pd;

public sealed class PdClientTests
{
    [Fact]
    public async Task ConnectLearnsClusterIdAndLeader()
    {
        using var dir = new TempDir();
        await using TestPd pd = await TestPd.StartAsync(Path.Combine(dir.Path, "pd"));
        // A dead endpoint first: discovery moves on to the next one.
        await using PdClient client = await PdClient.ConnectAsync(["127.0.0.1:1", pd.Endpoint], TestPd.FastOptions());
        Assert.Equal(pd.Server.ClusterId, client.ClusterId);
        Assert.Equal(pd.Server.ClientUrl.ToString().TrimEnd('/'), client.LeaderUrl);
    }

    [Fact]
    public async Task ConnectToNothingFailsRetryable()
    {
        var options = TestPd.FastOptions();
        options.RetryTimeout = TimeSpan.FromMilliseconds(300);
        PdException e = await Assert.ThrowsAsync<PdException>(() => PdClient.ConnectAsync(["127.0.0.1:1"], options));
        Assert.True(e.Retryable);
    }

    [Fact]
    public async Task TsoFromConcurrentCallersIsUniqueIncreasingAndBatched()
    {
        using var dir = new TempDir();
        await using TestPd pd = await TestPd.StartAsync(Path.Combine(dir.Path, "pd"));
        await using PdClient client = await pd.ConnectAsync();
        const int Callers = 32;
        const int PerCaller = 50;
        var results = new ulong[Callers][];
        using var start = new ManualResetEventSlim(false);
        var tasks = new Task[Callers];
        for (int c = 0; c < Callers; c++)
        {
            int caller = c;
            tasks[c] = Task.Run(async () =>
            {
                start.Wait();
                var mine = new ulong[PerCaller];
                for (int i = 0; i < PerCaller; i++)
                {
                    mine[i] = await client.GetTimestampAsync();
                }
                results[caller] = mine;
            });
        }

        start.Set();
        await Task.WhenAll(tasks);
        var all = new HashSet<ulong>();
        foreach (ulong[] mine in results)
        {
            for (int i = 0; i < PerCaller; i++)
            {
                Assert.True(all.Add(mine[i]), $"timestamp {mine[i]} handed out twice");
                if (i > 0)
                {
                    Assert.True(mine[i] > mine[i - 1], $"caller saw {mine[i - 1]} then {mine[i]}");
                }
            }
        }

        Assert.Equal(Callers * PerCaller, all.Count);
        Assert.True(client.TsoRequestCount < Callers * PerCaller,
            $"{client.TsoRequestCount} TsoRequests for {Callers * PerCaller} timestamps: not batched");
        Assert.Equal(1, client.TsoStreamCount);

        // A timestamp asked for after others completed is above all of them.
        ulong later = await client.GetTimestampAsync();
        foreach (ulong ts in all)
        {
            Assert.True(later > ts);
        }
    }

    [Fact]
    public async Task AllocIdAndHeaderErrors()
    {
        using var dir = new TempDir();
        await using TestPd pd = await TestPd.StartAsync(Path.Combine(dir.Path, "pd"));
        await using PdClient client = await pd.ConnectAsync();
        ulong previous = 0;
        for (int i = 0; i < 20; i++)
        {
            ulong id = await client.AllocIdAsync();
            Assert.True(id > previous);
            previous = id;
        }

        Assert.False(await client.IsBootstrappedAsync());
        PdException e = await Assert.ThrowsAsync<PdException>(() => client.GetRegionAsync(new byte[] { 1 }));
        Assert.Equal(Pdpb.ErrorType.NotBootstrapped, e.ErrorType);
        Assert.Null(e.GrpcStatus);
        Assert.False(e.Retryable);
    }

    [Fact]
    public async Task PdRestartClientReconnectsAndTsoKeepsIncreasing()
    {
        using var dir = new TempDir();
        TestPd pd = await TestPd.StartAsync(Path.Combine(dir.Path, "pd"));
        try
        {
            await using PdClient client = await pd.ConnectAsync();
            ulong before = await client.GetTimestampAsync();
            ulong idBefore = await client.AllocIdAsync();
            await pd.StopAsync();

            // While PD is down a timestamp request fails with a retryable error (not a hang).
            PdException down = await Assert.ThrowsAsync<PdException>(async () => await client.GetTimestampAsync());
            Assert.True(down.Retryable, down.ToString());

            await pd.RestartAsync();
            ulong after = await RetryTimestampAsync(client);
            Assert.True(after > before, $"{after} <= {before} after restart");
            Assert.True(await client.AllocIdAsync() > idBefore);
            Assert.True(client.TsoStreamCount >= 2);

            // And the stream keeps serving batches.
            ulong next = await client.GetTimestampAsync();
            Assert.True(next > after);
        }
        finally
        {
            await pd.DisposeAsync();
        }
    }

    internal static async Task<ulong> RetryTimestampAsync(PdClient client)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return await client.GetTimestampAsync();
            }
            catch (PdException e) when (e.Retryable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }
}
