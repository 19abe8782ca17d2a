// Every method of the subset exists at its kvproto path with the facts' request/response types
// and streaming shape, both in the service descriptors and in what the generated BindService
// registers with a server; and nothing else is registered.
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace ManagedKv.Proto.Tests.Proto;

public sealed class ServiceContractTests
{
    // (method, request, response, shape) from shared/facts/KVPROTO.md §0, §1, §4, §5.
    private static readonly (string Method, string Request, string Response, MethodType Type)[] TikvMethods =
    [
        ("KvGet", "kvrpcpb.GetRequest", "kvrpcpb.GetResponse", MethodType.Unary),
        ("KvScan", "kvrpcpb.ScanRequest", "kvrpcpb.ScanResponse", MethodType.Unary),
        ("KvPrewrite", "kvrpcpb.PrewriteRequest", "kvrpcpb.PrewriteResponse", MethodType.Unary),
        ("KvPessimisticLock", "kvrpcpb.PessimisticLockRequest", "kvrpcpb.PessimisticLockResponse", MethodType.Unary),
        ("KVPessimisticRollback", "kvrpcpb.PessimisticRollbackRequest", "kvrpcpb.PessimisticRollbackResponse", MethodType.Unary),
        ("KvTxnHeartBeat", "kvrpcpb.TxnHeartBeatRequest", "kvrpcpb.TxnHeartBeatResponse", MethodType.Unary),
        ("KvCheckTxnStatus", "kvrpcpb.CheckTxnStatusRequest", "kvrpcpb.CheckTxnStatusResponse", MethodType.Unary),
        ("KvCheckSecondaryLocks", "kvrpcpb.CheckSecondaryLocksRequest", "kvrpcpb.CheckSecondaryLocksResponse", MethodType.Unary),
        ("KvCommit", "kvrpcpb.CommitRequest", "kvrpcpb.CommitResponse", MethodType.Unary),
        ("KvCleanup", "kvrpcpb.CleanupRequest", "kvrpcpb.CleanupResponse", MethodType.Unary),
        ("KvBatchGet", "kvrpcpb.BatchGetRequest", "kvrpcpb.BatchGetResponse", MethodType.Unary),
        ("KvBatchRollback", "kvrpcpb.BatchRollbackRequest", "kvrpcpb.BatchRollbackResponse", MethodType.Unary),
        ("KvScanLock", "kvrpcpb.ScanLockRequest", "kvrpcpb.ScanLockResponse", MethodType.Unary),
        ("KvResolveLock", "kvrpcpb.ResolveLockRequest", "kvrpcpb.ResolveLockResponse", MethodType.Unary),
        ("RawGet", "kvrpcpb.RawGetRequest", "kvrpcpb.RawGetResponse", MethodType.Unary),
        ("RawBatchGet", "kvrpcpb.RawBatchGetRequest", "kvrpcpb.RawBatchGetResponse", MethodType.Unary),
        ("RawPut", "kvrpcpb.RawPutRequest", "kvrpcpb.RawPutResponse", MethodType.Unary),
        ("RawBatchPut", "kvrpcpb.RawBatchPutRequest", "kvrpcpb.RawBatchPutResponse", MethodType.Unary),
        ("RawDelete", "kvrpcpb.RawDeleteRequest", "kvrpcpb.RawDeleteResponse", MethodType.Unary),
        ("RawBatchDelete", "kvrpcpb.RawBatchDeleteRequest", "kvrpcpb.RawBatchDeleteResponse", MethodType.Unary),
        ("RawScan", "kvrpcpb.RawScanRequest", "kvrpcpb.RawScanResponse", MethodType.Unary),
        ("RawDeleteRange", "kvrpcpb.RawDeleteRangeRequest", "kvrpcpb.RawDeleteRangeResponse", MethodType.Unary),
        ("RawGetKeyTTL", "kvrpcpb.RawGetKeyTTLRequest", "kvrpcpb.RawGetKeyTTLResponse", MethodType.Unary),
        ("RawCompareAndSwap", "kvrpcpb.RawCASRequest", "kvrpcpb.RawCASResponse", MethodType.Unary),
        ("Raft", "raft_serverpb.RaftMessage", "raft_serverpb.Done", MethodType.ClientStreaming),
        ("BatchRaft", "tikvpb.BatchRaftMessage", "raft_serverpb.Done", MethodType.ClientStreaming),
        ("Snapshot", "raft_serverpb.SnapshotChunk", "raft_serverpb.Done", MethodType.ClientStreaming),
        ("BatchCommands", "tikvpb.BatchCommandsRequest", "tikvpb.BatchCommandsResponse", MethodType.DuplexStreaming),
    ];

    private static readonly (string Method, string Request, string Response, MethodType Type)[] PdMethods =
    [
        ("GetMembers", "pdpb.GetMembersRequest", "pdpb.GetMembersResponse", MethodType.Unary),
        ("Tso", "pdpb.TsoRequest", "pdpb.TsoResponse", MethodType.DuplexStreaming),
        ("Bootstrap", "pdpb.BootstrapRequest", "pdpb.BootstrapResponse", MethodType.Unary),
        ("IsBootstrapped", "pdpb.IsBootstrappedRequest", "pdpb.IsBootstrappedResponse", MethodType.Unary),
        ("AllocID", "pdpb.AllocIDRequest", "pdpb.AllocIDResponse", MethodType.Unary),
        ("GetStore", "pdpb.GetStoreRequest", "pdpb.GetStoreResponse", MethodType.Unary),
        ("PutStore", "pdpb.PutStoreRequest", "pdpb.PutStoreResponse", MethodType.Unary),
        ("GetAllStores", "pdpb.GetAllStoresRequest", "pdpb.GetAllStoresResponse", MethodType.Unary),
        ("StoreHeartbeat", "pdpb.StoreHeartbeatRequest", "pdpb.StoreHeartbeatResponse", MethodType.Unary),
        ("RegionHeartbeat", "pdpb.RegionHeartbeatRequest", "pdpb.RegionHeartbeatResponse", MethodType.DuplexStreaming),
        ("GetRegion", "pdpb.GetRegionRequest", "pdpb.GetRegionResponse", MethodType.Unary),
        ("GetPrevRegion", "pdpb.GetRegionRequest", "pdpb.GetRegionResponse", MethodType.Unary),
        ("GetRegionByID", "pdpb.GetRegionByIDRequest", "pdpb.GetRegionResponse", MethodType.Unary),
        ("ScanRegions", "pdpb.ScanRegionsRequest", "pdpb.ScanRegionsResponse", MethodType.Unary),
        ("AskSplit", "pdpb.AskSplitRequest", "pdpb.AskSplitResponse", MethodType.Unary),
        ("ReportSplit", "pdpb.ReportSplitRequest", "pdpb.ReportSplitResponse", MethodType.Unary),
        ("AskBatchSplit", "pdpb.AskBatchSplitRequest", "pdpb.AskBatchSplitResponse", MethodType.Unary),
        ("ReportBatchSplit", "pdpb.ReportBatchSplitRequest", "pdpb.ReportBatchSplitResponse", MethodType.Unary),
        ("GetClusterConfig", "pdpb.GetClusterConfigRequest", "pdpb.GetClusterConfigResponse", MethodType.Unary),
        ("GetGCSafePoint", "pdpb.GetGCSafePointRequest", "pdpb.GetGCSafePointResponse", MethodType.Unary),
        ("UpdateGCSafePoint", "pdpb.UpdateGCSafePointRequest", "pdpb.UpdateGCSafePointResponse", MethodType.Unary),
        ("GetClusterInfo", "pdpb.GetClusterInfoRequest", "pdpb.GetClusterInfoResponse", MethodType.Unary),
    ];

    [Fact]
    public void TikvDescriptorHasEveryMethodOfTheSubset()
        => CheckDescriptor(Tikvpb.Tikv.Descriptor, "tikvpb.Tikv", TikvMethods);

    [Fact]
    public void PdDescriptorHasEveryMethodOfTheSubset()
        => CheckDescriptor(Pdpb.PD.Descriptor, "pdpb.PD", PdMethods);

    [Fact]
    public void TikvBindServiceRegistersKvprotoPaths()
    {
        var binder = new RecordingServiceBinder();
        Tikvpb.Tikv.BindService(binder, new EmptyTikvService());
        CheckBinder(binder, "/tikvpb.Tikv/", TikvMethods);
        Assert.Contains("/tikvpb.Tikv/RawGet", binder.Methods.Keys);
        Assert.Contains("/tikvpb.Tikv/KVPessimisticRollback", binder.Methods.Keys);
    }

    [Fact]
    public void PdBindServiceRegistersKvprotoPaths()
    {
        var binder = new RecordingServiceBinder();
        Pdpb.PD.BindService(binder, new EmptyPdService());
        CheckBinder(binder, "/pdpb.PD/", PdMethods);
        Assert.Contains("/pdpb.PD/GetMembers", binder.Methods.Keys);
    }

    private static void CheckDescriptor(
        ServiceDescriptor service,
        string fullName,
        (string Method, string Request, string Response, MethodType Type)[] expected)
    {
        Assert.Equal(fullName, service.FullName);
        Assert.Equal(
            expected.Select(m => m.Method).Order(StringComparer.Ordinal),
            service.Methods.Select(m => m.Name).Order(StringComparer.Ordinal));
        foreach (var (name, request, response, type) in expected)
        {
            var method = service.FindMethodByName(name);
            Assert.NotNull(method);
            Assert.Equal(request, method.InputType.FullName);
            Assert.Equal(response, method.OutputType.FullName);
            var shape = (method.IsClientStreaming, method.IsServerStreaming) switch
            {
                (false, false) => MethodType.Unary,
                (true, false) => MethodType.ClientStreaming,
                (false, true) => MethodType.ServerStreaming,
                (true, true) => MethodType.DuplexStreaming,
            };
            Assert.Equal(type, shape);
        }
    }

    private static void CheckBinder(
        RecordingServiceBinder binder,
        string prefix,
        (string Method, string Request, string Response, MethodType Type)[] expected)
    {
        Assert.Equal(expected.Length, binder.Methods.Count);
        foreach (var (name, request, response, type) in expected)
        {
            Assert.True(binder.Methods.TryGetValue(prefix + name, out var registered), $"{prefix}{name} is not registered");
            Assert.Equal((type, request, response), registered);
        }
    }
}
