using Google.Protobuf;
using Grpc.Core;
using Pdpb;
using Region = Metapb.Region;

namespace ManagedKv.Node.Pd;

// Unary PD requests. Retried on a retryable gRPC failure (UNAVAILABLE — PD down or "not leader" —, deadline, transport
// error), after leader discovery, with backoff, for up to RetryTimeout: every read (IsBootstrapped, GetStore,
// GetAllStores, GetRegion, GetRegionByID, ScanRegions, GetGCSafePoint), the idempotent writes (PutStore of the same
// store, StoreHeartbeat, ReportBatchSplit which PD only validates) and the allocations (AllocID, AskBatchSplit: a
// retry after a lost answer only leaves a gap in the id space; ids stay unique). Not retried: Bootstrap, whose
// outcome after a lost answer the bootstrap procedure settles itself (ALREADY_BOOTSTRAPPED, then GetRegion).
public sealed partial class PdClient
{
    /// <summary>Allocates one id from PD's id allocator (store, region and peer ids).</summary>
    public async Task<ulong> AllocIdAsync(CancellationToken cancellationToken = default)
    {
        AllocIDResponse response = await UnaryAsync(new AllocIDRequest { Header = Header, Count = 1 },
            static (c, r, o) => c.AllocIDAsync(r, o), static r => r.Header, retry: true, cancellationToken).ConfigureAwait(false);
        return response.Id;
    }

    /// <summary>Whether the cluster has been bootstrapped (its first store and region registered).</summary>
    public async Task<bool> IsBootstrappedAsync(CancellationToken cancellationToken = default)
    {
        IsBootstrappedResponse response = await UnaryAsync(new IsBootstrappedRequest { Header = Header },
            static (c, r, o) => c.IsBootstrappedAsync(r, o), static r => r.Header, retry: true, cancellationToken).ConfigureAwait(false);
        return response.Bootstrapped;
    }

    /// <summary>Bootstraps the cluster with its first store and region. Not retried.</summary>
    /// <exception cref="PdException">Header error, e.g. <see cref="ErrorType.AlreadyBootstrapped"/>.</exception>
    public Task BootstrapAsync(Metapb.Store store, Region region, CancellationToken cancellationToken = default) =>
        UnaryAsync(new BootstrapRequest { Header = Header, Store = store, Region = region },
            static (c, r, o) => c.BootstrapAsync(r, o), static r => r.Header, retry: false, cancellationToken);

    /// <summary>Registers or updates this store's meta (address, version, labels…).</summary>
    public Task PutStoreAsync(Metapb.Store store, CancellationToken cancellationToken = default) =>
        UnaryAsync(new PutStoreRequest { Header = Header, Store = store },
            static (c, r, o) => c.PutStoreAsync(r, o), static r => r.Header, retry: true, cancellationToken);

    /// <summary>The meta of store <paramref name="storeId"/>.</summary>
    /// <exception cref="PdException">Unknown store (PD answers UNKNOWN "invalid store ID N, not found").</exception>
    public async Task<Metapb.Store> GetStoreAsync(ulong storeId, CancellationToken cancellationToken = default)
    {
        GetStoreResponse response = await UnaryAsync(new GetStoreRequest { Header = Header, StoreId = storeId },
            static (c, r, o) => c.GetStoreAsync(r, o), static r => r.Header, retry: true, cancellationToken).ConfigureAwait(false);
        return response.Store ?? throw new PdException(ErrorType.Unknown, $"PD answered GetStore({storeId}) without a store");
    }

    /// <summary>Every store PD knows, optionally without tombstones.</summary>
    public async Task<IReadOnlyList<Metapb.Store>> GetAllStoresAsync(bool excludeTombstones = false, CancellationToken cancellationToken = default)
    {
        GetAllStoresResponse response = await UnaryAsync(new GetAllStoresRequest { Header = Header, ExcludeTombstoneStores = excludeTombstones },
            static (c, r, o) => c.GetAllStoresAsync(r, o), static r => r.Header, retry: true, cancellationToken).ConfigureAwait(false);
        return response.Stores;
    }

    /// <summary>Reports this store's statistics (TiKV: every 10 s); PD answers with the cluster version and hints.</summary>
    public Task<StoreHeartbeatResponse> StoreHeartbeatAsync(StoreStats stats, CancellationToken cancellationToken = default) =>
        UnaryAsync(new StoreHeartbeatRequest { Header = Header, Stats = stats },
            static (c, r, o) => c.StoreHeartbeatAsync(r, o), static r => r.Header, retry: true, cancellationToken);

    /// <summary>The region whose [start, end) contains <paramref name="key"/>, or null when PD knows none.</summary>
    public async Task<PdRegion?> GetRegionAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        GetRegionResponse response = await UnaryAsync(new GetRegionRequest { Header = Header, RegionKey = ByteString.CopyFrom(key.Span) },
            static (c, r, o) => c.GetRegionAsync(r, o), static r => r.Header, retry: true, cancellationToken).ConfigureAwait(false);
        return ToRegion(response);
    }

    /// <summary>The region with id <paramref name="regionId"/>, or null when PD knows none.</summary>
    public async Task<PdRegion?> GetRegionByIdAsync(ulong regionId, CancellationToken cancellationToken = default)
    {
        GetRegionResponse response = await UnaryAsync(new GetRegionByIDRequest { Header = Header, RegionId = regionId },
            static (c, r, o) => c.GetRegionByIDAsync(r, o), static r => r.Header, retry: true, cancellationToken).ConfigureAwait(false);
        return ToRegion(response);
    }

    /// <summary>Regions overlapping [<paramref name="startKey"/>, <paramref name="endKey"/>) (empty end = +∞), in key order, at most <paramref name="limit"/> (≤ 0 = no limit).</summary>
    public async Task<IReadOnlyList<PdRegion>> ScanRegionsAsync(ReadOnlyMemory<byte> startKey, ReadOnlyMemory<byte> endKey, int limit,
        CancellationToken cancellationToken = default)
    {
        ScanRegionsResponse response = await UnaryAsync(new ScanRegionsRequest
        {
            Header = Header,
            StartKey = ByteString.CopyFrom(startKey.Span),
            EndKey = ByteString.CopyFrom(endKey.Span),
            Limit = limit,
        }, static (c, r, o) => c.ScanRegionsAsync(r, o), static r => r.Header, retry: true, cancellationToken).ConfigureAwait(false);
        var result = new List<PdRegion>(response.Regions.Count);
        foreach (Pdpb.Region region in response.Regions)
        {
            result.Add(new PdRegion(region.Region_, region.Leader is { Id: not 0 } ? region.Leader : null, region.DownPeers, region.PendingPeers));
        }

        return result;
    }

    /// <summary>
    /// Asks PD for the ids of a batch split of <paramref name="region"/> into <paramref name="splitCount"/> + 1
    /// regions: per new region one region id and one peer id per peer of <paramref name="region"/>, in peer order.
    /// </summary>
    public async Task<IReadOnlyList<SplitID>> AskBatchSplitAsync(Region region, uint splitCount, CancellationToken cancellationToken = default)
    {
        AskBatchSplitResponse response = await UnaryAsync(new AskBatchSplitRequest { Header = Header, Region = region, SplitCount = splitCount },
            static (c, r, o) => c.AskBatchSplitAsync(r, o), static r => r.Header, retry: true, cancellationToken).ConfigureAwait(false);
        return response.Ids;
    }

    /// <summary>Reports the regions a batch split produced (the original region last). PD only validates adjacency.</summary>
    public Task ReportBatchSplitAsync(IEnumerable<Region> regions, CancellationToken cancellationToken = default)
    {
        var request = new ReportBatchSplitRequest { Header = Header };
        request.Regions.Add(regions);
        return UnaryAsync(request, static (c, r, o) => c.ReportBatchSplitAsync(r, o), static r => r.Header, retry: true, cancellationToken);
    }

    /// <summary>The cluster's GC safe point (a TSO timestamp; 0 = never set).</summary>
    public async Task<ulong> GetGcSafePointAsync(CancellationToken cancellationToken = default)
    {
        GetGCSafePointResponse response = await UnaryAsync(new GetGCSafePointRequest { Header = Header },
            static (c, r, o) => c.GetGCSafePointAsync(r, o), static r => r.Header, retry: true, cancellationToken).ConfigureAwait(false);
        return response.SafePoint;
    }

    private static PdRegion? ToRegion(GetRegionResponse response) =>
        response.Region is null ? null
            : new PdRegion(response.Region, response.Leader is { Id: not 0 } ? response.Leader : null, response.DownPeers, response.PendingPeers);

    private async Task<TResponse> UnaryAsync<TRequest, TResponse>(TRequest request,
        Func<PD.PDClient, TRequest, CallOptions, AsyncUnaryCall<TResponse>> call, Func<TResponse, ResponseHeader?> header,
        bool retry, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposeCts.Token);
        DateTime retryDeadline = DateTime.UtcNow + _options.RetryTimeout;
        TimeSpan backoff = _options.InitialBackoff;
        while (true)
        {
            PdLeader leader = Volatile.Read(ref _leader);
            TResponse response;
            try
            {
                var options = new CallOptions(deadline: DateTime.UtcNow + _options.RequestTimeout, cancellationToken: linked.Token);
                response = await call(leader.Client, request, options).ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException e) when (!linked.IsCancellationRequested)
            {
                if (!retry || !IsRetryable(e) || DateTime.UtcNow + backoff > retryDeadline)
                {
                    throw Wrap(e);
                }

                bool switched = await RefreshLeaderAsync(leader, linked.Token).ConfigureAwait(false)
                    && !ReferenceEquals(Volatile.Read(ref _leader), leader);
                if (!switched)
                {
                    await Task.Delay(backoff, linked.Token).ConfigureAwait(false);
                    backoff = NextBackoff(backoff);
                }

                continue;
            }

            if (header(response)?.Error is { Type: not ErrorType.Ok } error)
            {
                throw new PdException(error.Type, error.Message);
            }

            return response;
        }
    }
}
