using ManagedKv.Node.Bootstrap;
using ManagedKv.Node.Pd;
using ManagedKv.Node.Store;
using Metapb;

namespace ManagedKv.Node.Tests.Pd;

public sealed class StoreBootstrapTests
{
    private static readonly StoreBootstrapOptions s_fast = new() { RetryInterval = TimeSpan.FromMilliseconds(20), MaxRetries = 100 };

    private static Metapb.Store StoreMeta(int n) => new() { Address = $"127.0.0.1:{20160 + n}", Version = "0.1.0" };

    [Fact]
    public async Task ThreeStoresOneBootstrapsTheOthersOnlyJoin()
    {
        using var dir = new TempDir();
        await using TestPd pd = await TestPd.StartAsync(Path.Combine(dir.Path, "pd"));
        var engines = new StoreEngines[3];
        var clients = new PdClient[3];
        try
        {
            for (int i = 0; i < 3; i++)
            {
                engines[i] = TestEngines.Open(Path.Combine(dir.Path, "store" + i));
                clients[i] = await pd.ConnectAsync();
            }

            // Concurrently: all may find PD unbootstrapped and prepare; exactly one Bootstrap wins.
            var tasks = new Task<StoreIdent>[3];
            for (int i = 0; i < 3; i++)
            {
                int s = i;
                tasks[i] = Task.Run(() => StoreBootstrapper.BootstrapAsync(engines[s], clients[s], StoreMeta(s), s_fast));
            }

            StoreIdent[] idents = await Task.WhenAll(tasks);
            Assert.Equal(3, idents.Select(x => x.StoreId).Distinct().Count());
            Assert.All(idents, x => Assert.Equal(pd.Server.ClusterId, x.ClusterId));
            Assert.True(await clients[0].IsBootstrappedAsync());

            IReadOnlyList<Metapb.Store> stores = await clients[0].GetAllStoresAsync();
            Assert.Equal(idents.Select(x => x.StoreId).Order(), stores.Select(x => x.Id).Order());

            PdRegion? first = await clients[0].GetRegionAsync(ReadOnlyMemory<byte>.Empty);
            Assert.NotNull(first);
            int holders = 0;
            for (int i = 0; i < 3; i++)
            {
                Assert.Null(StoreBootstrapper.LoadPreparedRegion(engines[i]));
                List<RegionLocalState> regions = engines[i].LoadRegionStates();
                if (regions.Count > 0)
                {
                    holders++;
                    Assert.Equal(first!.Region, Assert.Single(regions).Region);
                    Assert.Equal(idents[i].StoreId, first.Region.Peers[0].StoreId);
                    Assert.Equal(new RegionEpoch { ConfVer = 1, Version = 1 }, first.Region.RegionEpoch);
                    Assert.True(first.Region.StartKey.IsEmpty && first.Region.EndKey.IsEmpty);
                    Assert.Equal(5UL, engines[i].RaftEngine.LastIndex(first.Region.Id) ?? 5UL);
                }
                else
                {
                    // A loser cleared its prepared region from both engines.
                    Assert.Null(engines[i].RaftEngine.GetState(first!.Region.Id, [(byte)'R']));
                }
            }

            Assert.Equal(1, holders);

            // Restart of every store: the same idents, no new store, no second bootstrap.
            for (int i = 0; i < 3; i++)
            {
                engines[i].Dispose();
                engines[i] = TestEngines.Open(Path.Combine(dir.Path, "store" + i));
                Assert.Equal(idents[i], StoreBootstrapper.LoadStoreIdent(engines[i]));
                ulong before = await clients[i].AllocIdAsync();
                Assert.Equal(idents[i], await StoreBootstrapper.BootstrapAsync(engines[i], clients[i], StoreMeta(i), s_fast));
                Assert.Equal(before + 1, await clients[i].AllocIdAsync()); // bootstrap allocated nothing
            }

            Assert.Equal(3, (await clients[0].GetAllStoresAsync()).Count);
            Assert.Equal(0UL, await clients[0].GetGcSafePointAsync());
        }
        finally
        {
            foreach (PdClient c in clients)
            {
                if (c is not null)
                {
                    await c.DisposeAsync();
                }
            }

            foreach (StoreEngines e in engines)
            {
                e?.Dispose();
            }
        }
    }

    [Fact]
    public async Task CrashAfterPrepareRecoversWithThePreparedRegion()
    {
        using var dir = new TempDir();
        await using TestPd pd = await TestPd.StartAsync(Path.Combine(dir.Path, "pd"));
        await using PdClient client = await pd.ConnectAsync();
        string storeDir = Path.Combine(dir.Path, "store");
        Region prepared;
        StoreIdent ident;
        using (StoreEngines engines = TestEngines.Open(storeDir))
        {
            ident = await StoreBootstrapper.EnsureStoreIdentAsync(engines, client, CancellationToken.None);
            prepared = (await StoreBootstrapper.CheckOrPrepareBootstrapClusterAsync(engines, client, ident.StoreId, CancellationToken.None))!;
            Assert.NotNull(prepared);
            // "Crash": engines closed before Bootstrap was called.
        }

        Assert.False(await client.IsBootstrappedAsync());
        using (StoreEngines engines = TestEngines.Open(storeDir))
        {
            Assert.Equal(prepared, StoreBootstrapper.LoadPreparedRegion(engines));
            Assert.Equal(ident, await StoreBootstrapper.BootstrapAsync(engines, client, StoreMeta(0), s_fast));
            Assert.Null(StoreBootstrapper.LoadPreparedRegion(engines));
            Assert.Equal(prepared, Assert.Single(engines.LoadRegionStates()).Region);
            Assert.Equal(5UL, PeerStorage.Open(engines, prepared.Id).AppliedIndex);
        }

        Assert.True(await client.IsBootstrappedAsync());
        Assert.Equal(prepared, (await client.GetRegionAsync(new byte[] { 0x42 }))!.Region);
        Assert.Equal(ident.StoreId, (await client.GetStoreAsync(ident.StoreId)).Id);
    }

    [Fact]
    public async Task CrashAfterBootstrapBeforeClearingPrepareKeyKeepsTheRegion()
    {
        using var dir = new TempDir();
        await using TestPd pd = await TestPd.StartAsync(Path.Combine(dir.Path, "pd"));
        await using PdClient client = await pd.ConnectAsync();
        string storeDir = Path.Combine(dir.Path, "store");
        Region prepared;
        using (StoreEngines engines = TestEngines.Open(storeDir))
        {
            StoreIdent ident = await StoreBootstrapper.EnsureStoreIdentAsync(engines, client, CancellationToken.None);
            prepared = (await StoreBootstrapper.CheckOrPrepareBootstrapClusterAsync(engines, client, ident.StoreId, CancellationToken.None))!;
            Metapb.Store meta = StoreMeta(0);
            meta.Id = ident.StoreId;
            await client.BootstrapAsync(meta, prepared);
            // "Crash" before the prepare key is removed.
        }

        using (StoreEngines engines = TestEngines.Open(storeDir))
        {
            await StoreBootstrapper.BootstrapAsync(engines, client, StoreMeta(0), s_fast);
            Assert.Null(StoreBootstrapper.LoadPreparedRegion(engines));
            Assert.Equal(prepared, Assert.Single(engines.LoadRegionStates()).Region);
        }
    }

    [Fact]
    public async Task PreparedStoreThatLostTheRaceClearsItsRegion()
    {
        using var dir = new TempDir();
        await using TestPd pd = await TestPd.StartAsync(Path.Combine(dir.Path, "pd"));
        await using PdClient client = await pd.ConnectAsync();
        using StoreEngines loser = TestEngines.Open(Path.Combine(dir.Path, "loser"));
        using StoreEngines winner = TestEngines.Open(Path.Combine(dir.Path, "winner"));
        StoreIdent loserIdent = await StoreBootstrapper.EnsureStoreIdentAsync(loser, client, CancellationToken.None);
        Region prepared = (await StoreBootstrapper.CheckOrPrepareBootstrapClusterAsync(loser, client, loserIdent.StoreId, CancellationToken.None))!;
        Assert.Single(loser.LoadRegionStates());

        await StoreBootstrapper.BootstrapAsync(winner, client, StoreMeta(1), s_fast);
        Assert.Equal(loserIdent, await StoreBootstrapper.BootstrapAsync(loser, client, StoreMeta(0), s_fast));
        Assert.Empty(loser.LoadRegionStates());
        Assert.Null(StoreBootstrapper.LoadPreparedRegion(loser));
        Assert.Null(loser.RaftEngine.GetState(prepared.Id, [(byte)'R']));
        Assert.NotEqual(prepared.Id, (await client.GetRegionAsync(ReadOnlyMemory<byte>.Empty))!.Region.Id);
        Assert.Equal(2, (await client.GetAllStoresAsync()).Count);
    }

    [Fact]
    public async Task StoreOfAnotherClusterIsRefused()
    {
        using var dir = new TempDir();
        string storeDir = Path.Combine(dir.Path, "store");
        await using (TestPd first = await TestPd.StartAsync(Path.Combine(dir.Path, "pd1")))
        await using (PdClient client = await first.ConnectAsync())
        using (StoreEngines engines = TestEngines.Open(storeDir))
        {
            await StoreBootstrapper.BootstrapAsync(engines, client, StoreMeta(0), s_fast);
        }

        await using TestPd other = await TestPd.StartAsync(Path.Combine(dir.Path, "pd2"));
        await using PdClient otherClient = await other.ConnectAsync();
        Assert.NotEqual(0UL, otherClient.ClusterId);
        using StoreEngines reopened = TestEngines.Open(storeDir);
        ClusterIdMismatchException e = await Assert.ThrowsAsync<ClusterIdMismatchException>(
            () => StoreBootstrapper.BootstrapAsync(reopened, otherClient, StoreMeta(0), s_fast));
        Assert.Equal(otherClient.ClusterId, e.PdClusterId);
        Assert.NotEqual(e.PdClusterId, e.StoredClusterId);
        Assert.False(await otherClient.IsBootstrappedAsync());
    }
}
