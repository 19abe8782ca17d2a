// Test-only Tikv service: RawPut/RawGet over a dictionary for one region (id 1, leader peer 1 on
// store 1); requests for any other region get a NotLeader region error, as TiKV would answer.
// Every other method is left to the generated base, which answers UNIMPLEMENTED.
using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Kvrpcpb;

namespace ManagedKv.Proto.Tests.Grpc;

internal sealed class DictionaryTikvService : Tikvpb.Tikv.TikvBase
{
    public const ulong RegionId = 1;

    private static readonly Metapb.Peer Leader = new() { Id = 1, StoreId = 1 };

    private readonly ConcurrentDictionary<ByteString, ByteString> _data = new();

    public override Task<RawPutResponse> RawPut(RawPutRequest request, ServerCallContext context)
    {
        var response = new RawPutResponse();
        var regionError = CheckRegion(request.Context);
        if (regionError is not null)
        {
            response.RegionError = regionError;
        }
        else
        {
            _data[request.Key] = request.Value;
        }
        return Task.FromResult(response);
    }

    public override Task<RawGetResponse> RawGet(RawGetRequest request, ServerCallContext context)
    {
        var response = new RawGetResponse();
        var regionError = CheckRegion(request.Context);
        if (regionError is not null)
        {
            response.RegionError = regionError;
        }
        else if (_data.TryGetValue(request.Key, out var value))
        {
            response.Value = value;
        }
        else
        {
            response.NotFound = true;
        }
        return Task.FromResult(response);
    }

    private static Errorpb.Error? CheckRegion(Context? context)
    {
        var regionId = context?.RegionId ?? 0;
        if (regionId == RegionId)
        {
            return null;
        }
        return new Errorpb.Error
        {
            Message = $"peer is not leader for region {regionId}",
            NotLeader = new Errorpb.NotLeader { RegionId = regionId, Leader = Leader },
        };
    }
}
