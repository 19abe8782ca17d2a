// The pdpb.PD gRPC service: a thin layer over PdCluster. Per RPC, in PD's order: the cluster-id check (every RPC
// but GetMembers and GetClusterInfo; gRPC FAILED_PRECONDITION "mismatch cluster id, need X but got Y"), then
// NOT_BOOTSTRAPPED where PD answers it, then the operation; its pdpb.Error goes into the response header.
// Methods not overridden here answer UNIMPLEMENTED (README.md lists them).
// Threads: one instance serves all calls concurrently; it holds no state of its own beyond PdCluster's.
using Grpc.Core;
using ManagedKv.Pd.Cluster;
using ManagedKv.Pd.Routing;
using ManagedKv.Pd.Tso;
using Pdpb;

namespace ManagedKv.Pd.Server;

internal sealed class PdGrpcService : PD.PDBase
{
    private readonly PdCluster _cluster;
    private readonly PdServerIdentity _identity;

    public PdGrpcService(PdCluster cluster, PdServerIdentity identity)
    {
        _cluster = cluster;
        _identity = identity;
    }

    private void Validate(RequestHeader? header)
    {
        ulong got = header?.ClusterId ?? 0;
        if (got != _cluster.ClusterId)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"mismatch cluster id, need {_cluster.ClusterId} but got {got}"));
        }
    }

    private ResponseHeader Header(Error? error = null) => new() { ClusterId = _cluster.ClusterId, Error = error };

    private ResponseHeader? NotBootstrappedHeader() =>
        _cluster.IsBootstrapped ? null : Header(PdErrors.NotBootstrapped());

    public override Task<GetMembersResponse> GetMembers(GetMembersRequest request, ServerCallContext context)
    {
        Member self = _identity.Member;
        var response = new GetMembersResponse { Header = Header(), Leader = self, EtcdLeader = self };
        response.Members.Add(self);
        return Task.FromResult(response);
    }

    public override Task<GetClusterInfoResponse> GetClusterInfo(GetClusterInfoRequest request, ServerCallContext context)
    {
        // As PD: no cluster-id check here, the Go client calls it before it knows the id.
        var response = new GetClusterInfoResponse { Header = Header() };
        response.ServiceModes.Add(ServiceMode.PdSvcMode);
        return Task.FromResult(response);
    }

    public override async Task Tso(IAsyncStreamReader<TsoRequest> requestStream, IServerStreamWriter<TsoResponse> responseStream,
        ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            TsoRequest request = requestStream.Current;
            Validate(request.Header);
            if (request.Count == 0 || request.Count >= TsoTimestamp.MaxLogical)
            {
                throw new RpcException(new Status(StatusCode.Unknown,
                    "generate timestamp failed, tso count should be positive and below 2^18"));
            }
            TsoTimestamp ts = _cluster.Tso.Allocate(request.Count);
            await responseStream.WriteAsync(new TsoResponse
            {
                Header = Header(),
                Count = request.Count,
                Timestamp = new Timestamp { Physical = ts.Physical, Logical = ts.Logical },
            }).ConfigureAwait(false);
        }
    }

    public override Task<BootstrapResponse> Bootstrap(BootstrapRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        Error? error = _cluster.Bootstrap(request.Store, request.Region);
        return Task.FromResult(new BootstrapResponse { Header = Header(error) });
    }

    public override Task<IsBootstrappedResponse> IsBootstrapped(IsBootstrappedRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        return Task.FromResult(new IsBootstrappedResponse { Header = Header(), Bootstrapped = _cluster.IsBootstrapped });
    }

    public override Task<AllocIDResponse> AllocID(AllocIDRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        uint count = request.Count == 0 ? 1 : request.Count;
        ulong id = _cluster.AllocId(count);
        return Task.FromResult(new AllocIDResponse { Header = Header(), Id = id, Count = count });
    }

    public override Task<GetStoreResponse> GetStore(GetStoreRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        if (NotBootstrappedHeader() is { } nb)
        {
            return Task.FromResult(new GetStoreResponse { Header = nb });
        }
        StoreInfo? store = _cluster.GetStore(request.StoreId);
        if (store is null)
        {
            return Task.FromResult(new GetStoreResponse
            {
                Header = Header(PdErrors.Unknown($"invalid store ID {request.StoreId}, not found")),
            });
        }
        return Task.FromResult(new GetStoreResponse { Header = Header(), Store = store.Meta, Stats = store.Stats });
    }

    public override Task<PutStoreResponse> PutStore(PutStoreRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        Error? error = _cluster.PutStore(request.Store);
        return Task.FromResult(new PutStoreResponse { Header = Header(error) });
    }

    public override Task<GetAllStoresResponse> GetAllStores(GetAllStoresRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        if (NotBootstrappedHeader() is { } nb)
        {
            return Task.FromResult(new GetAllStoresResponse { Header = nb });
        }
        var response = new GetAllStoresResponse { Header = Header() };
        response.Stores.Add(_cluster.GetAllStores(request.ExcludeTombstoneStores));
        return Task.FromResult(response);
    }

    public override Task<StoreHeartbeatResponse> StoreHeartbeat(StoreHeartbeatRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        if (request.Stats is null)
        {
            throw new RpcException(new Status(StatusCode.Unknown, $"invalid store heartbeat command, but {request}"));
        }
        Error? error = _cluster.StoreHeartbeat(request.Stats);
        return Task.FromResult(new StoreHeartbeatResponse { Header = Header(error) });
    }

    public override async Task RegionHeartbeat(IAsyncStreamReader<RegionHeartbeatRequest> requestStream,
        IServerStreamWriter<RegionHeartbeatResponse> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            RegionHeartbeatRequest request = requestStream.Current;
            if (!_cluster.IsBootstrapped)
            {
                // As PD: answer NOT_BOOTSTRAPPED once and end the stream.
                await responseStream.WriteAsync(new RegionHeartbeatResponse { Header = Header(PdErrors.NotBootstrapped()) })
                    .ConfigureAwait(false);
                return;
            }
            Validate(request.Header);
            ulong storeId = request.Leader?.StoreId ?? 0;
            if (_cluster.GetStore(storeId) is null)
            {
                throw new RpcException(new Status(StatusCode.Unknown, $"invalid store ID {storeId}, not found"));
            }
            Error? error = request.Region is null
                ? PdErrors.Unknown($"invalid request region, {request}")
                : _cluster.HandleRegionHeartbeat(RegionInfo.FromHeartbeat(request), out _);
            if (error is not null)
            {
                // PD sends the error on the store's stream and keeps the stream open.
                await responseStream.WriteAsync(new RegionHeartbeatResponse
                {
                    Header = Header(error),
                    RegionId = request.Region?.Id ?? 0,
                    RegionEpoch = request.Region?.RegionEpoch,
                    TargetPeer = request.Leader,
                }).ConfigureAwait(false);
            }
            // No schedulers yet: a successful heartbeat gets no answer, as from a PD with no operator.
        }
    }

    public override Task<GetRegionResponse> GetRegion(GetRegionRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        return Task.FromResult(NotBootstrappedHeader() is { } nb
            ? new GetRegionResponse { Header = nb }
            : RegionResponse(_cluster.GetRegionByKey(request.RegionKey.Span)));
    }

    public override Task<GetRegionResponse> GetPrevRegion(GetRegionRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        return Task.FromResult(NotBootstrappedHeader() is { } nb
            ? new GetRegionResponse { Header = nb }
            : RegionResponse(_cluster.GetPrevRegion(request.RegionKey.Span)));
    }

    public override Task<GetRegionResponse> GetRegionByID(GetRegionByIDRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        return Task.FromResult(NotBootstrappedHeader() is { } nb
            ? new GetRegionResponse { Header = nb }
            : RegionResponse(_cluster.GetRegionById(request.RegionId)));
    }

    private GetRegionResponse RegionResponse(RegionInfo? region)
    {
        var response = new GetRegionResponse { Header = Header() };
        if (region is not null)
        {
            // Not found: an OK header and no region, as the PD leader answers.
            response.Region = region.Meta;
            response.Leader = region.Leader;
            response.DownPeers.Add(region.DownPeers);
            response.PendingPeers.Add(region.PendingPeers);
        }
        return response;
    }

    public override Task<ScanRegionsResponse> ScanRegions(ScanRegionsRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        if (NotBootstrappedHeader() is { } nb)
        {
            return Task.FromResult(new ScanRegionsResponse { Header = nb });
        }
        var response = new ScanRegionsResponse { Header = Header() };
        foreach (RegionInfo r in _cluster.ScanRegions(request.StartKey.Span, request.EndKey.Span, request.Limit))
        {
            Metapb.Peer leader = r.Leader ?? new Metapb.Peer();
            // The deprecated parallel lists too, for old clients (as PD).
            response.RegionMetas.Add(r.Meta);
            response.Leaders.Add(leader);
            var region = new Region { Region_ = r.Meta, Leader = leader };
            region.DownPeers.Add(r.DownPeers);
            region.PendingPeers.Add(r.PendingPeers);
            response.Regions.Add(region);
        }
        return Task.FromResult(response);
    }

    public override Task<AskSplitResponse> AskSplit(AskSplitRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        Error? error = _cluster.AskSplit(request.Region, out SplitID? ids);
        var response = new AskSplitResponse { Header = Header(error) };
        if (ids is not null)
        {
            response.NewRegionId = ids.NewRegionId;
            response.NewPeerIds.Add(ids.NewPeerIds);
        }
        return Task.FromResult(response);
    }

    public override Task<ReportSplitResponse> ReportSplit(ReportSplitRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        return Task.FromResult(new ReportSplitResponse { Header = Header(_cluster.ReportSplit(request.Left, request.Right)) });
    }

    public override Task<AskBatchSplitResponse> AskBatchSplit(AskBatchSplitRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        var ids = new List<SplitID>();
        Error? error = _cluster.AskBatchSplit(request.Region, request.SplitCount, ids);
        var response = new AskBatchSplitResponse { Header = Header(error) };
        if (error is null)
        {
            response.Ids.Add(ids);
        }
        return Task.FromResult(response);
    }

    public override Task<ReportBatchSplitResponse> ReportBatchSplit(ReportBatchSplitRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        return Task.FromResult(new ReportBatchSplitResponse { Header = Header(_cluster.ReportBatchSplit(request.Regions)) });
    }

    public override Task<GetClusterConfigResponse> GetClusterConfig(GetClusterConfigRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        if (NotBootstrappedHeader() is { } nb)
        {
            return Task.FromResult(new GetClusterConfigResponse { Header = nb });
        }
        return Task.FromResult(new GetClusterConfigResponse { Header = Header(), Cluster = _cluster.ClusterMeta });
    }

    public override Task<GetGCSafePointResponse> GetGCSafePoint(GetGCSafePointRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        if (NotBootstrappedHeader() is { } nb)
        {
            return Task.FromResult(new GetGCSafePointResponse { Header = nb });
        }
        return Task.FromResult(new GetGCSafePointResponse { Header = Header(), SafePoint = _cluster.GcSafePoint });
    }

    public override Task<UpdateGCSafePointResponse> UpdateGCSafePoint(UpdateGCSafePointRequest request, ServerCallContext context)
    {
        Validate(request.Header);
        if (NotBootstrappedHeader() is { } nb)
        {
            return Task.FromResult(new UpdateGCSafePointResponse { Header = nb });
        }
        ulong now = _cluster.UpdateGcSafePoint(request.SafePoint);
        return Task.FromResult(new UpdateGCSafePointResponse { Header = Header(), NewSafePoint = now });
    }
}
