using ManagedKv.Node.Bootstrap;
using ManagedKv.Node.Pd;
using ManagedKv.Node.Store;
using ManagedKv.Node.Tests.Pd;
using ManagedKv.Node.Transport;

namespace ManagedKv.Node.Tests.Transport;

public sealed class PdStoreAddressResolverTests
{
    [Fact]
    public async Task ResolvesPeerAddressThroughPd_CachesUntilInvalidated()
    {
        using var dir = new TempDir();
        await using TestPd pd = await TestPd.StartAsync(Path.Combine(dir.Path, "pd"));
        await using PdClient client = await pd.ConnectAsync();
        using StoreEngines engines = TestEngines.Open(Path.Combine(dir.Path, "store"));
        StoreIdent ident = await StoreBootstrapper.BootstrapAsync(engines, client, new Metapb.Store { Address = "127.0.0.1:20160" },
            new StoreBootstrapOptions { RetryInterval = TimeSpan.FromMilliseconds(20) });
        var resolver = new PdStoreAddressResolver(client);

        Assert.Equal("127.0.0.1:20160", await resolver.ResolveAsync(ident.StoreId, CancellationToken.None));
        Assert.Equal("127.0.0.1:20160", await resolver.ResolveAsync(ident.StoreId, CancellationToken.None));
        Assert.Equal(1, resolver.PdLookups);

        // The store moves (peer_address wins over address); the cache answers the old one until invalidated.
        await client.PutStoreAsync(new Metapb.Store { Id = ident.StoreId, Address = "127.0.0.1:20160", PeerAddress = "127.0.0.1:20999" });
        Assert.Equal("127.0.0.1:20160", await resolver.ResolveAsync(ident.StoreId, CancellationToken.None));
        resolver.Invalidate(ident.StoreId);
        Assert.Equal("127.0.0.1:20999", await resolver.ResolveAsync(ident.StoreId, CancellationToken.None));
        Assert.Equal(2, resolver.PdLookups);

        // No cache: every resolution asks PD. An unknown store fails.
        var uncached = new PdStoreAddressResolver(client, TimeSpan.Zero);
        await uncached.ResolveAsync(ident.StoreId, CancellationToken.None);
        await uncached.ResolveAsync(ident.StoreId, CancellationToken.None);
        Assert.Equal(2, uncached.PdLookups);
        await Assert.ThrowsAnyAsync<Exception>(async () => await uncached.ResolveAsync(ident.StoreId + 1000, CancellationToken.None));
    }
}
