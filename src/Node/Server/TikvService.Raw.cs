using Google.Protobuf;
using Grpc.Core;
using ManagedKv.Txn;
using Kvrpcpb;
using ManagedKv.Node.Kv;

namespace ManagedKv.Node.Server;

/// <summary>The RawKV half of <see cref="TikvService"/>: kvproto's Raw* calls over the store's <see cref="RawStore"/>
/// (API V1TTL semantics: per-key TTL, CAS, range tombstones).</summary>
/// <remarks>
/// The raw data lives in its own column family; the request's <c>cf</c> must be empty or "default" (anything else is
/// answered in <c>error</c>). RawScan returns at most <c>limit</c> pairs (0 returns none, as TiKV); forward scans
/// cover <c>[start_key, end_key)</c>, reverse scans go down from <c>start_key</c> (exclusive) to <c>end_key</c>
/// (inclusive), as clients send them; an empty end is the region's edge (reads never leave the region). Point keys
/// and scan starts outside the region answer <c>key_not_in_region</c> (a reverse scan's start, its exclusive upper
/// bound, may equal the region's end).
/// </remarks>
public sealed partial class TikvService
{
    /// <inheritdoc/>
    public override Task<RawGetResponse> RawGet(RawGetRequest request, ServerCallContext context) =>
        ExecuteAsync(request, request.Context, context, static (raw, r) =>
        {
            CheckCf(r.Cf);
            byte[]? value = raw.Get(r.Key.ToByteArray());
            return value is null ? new RawGetResponse { NotFound = true } : new RawGetResponse { Value = UnsafeByteOperations.UnsafeWrap(value) };
        }, static e => new RawGetResponse { RegionError = e }, static m => new RawGetResponse { Error = m });

    /// <inheritdoc/>
    public override Task<RawBatchGetResponse> RawBatchGet(RawBatchGetRequest request, ServerCallContext context) =>
        ExecuteAsync(request, request.Context, context, static (raw, r) =>
        {
            CheckCf(r.Cf);
            var keys = new byte[r.Keys.Count][];
            for (int i = 0; i < keys.Length; i++)
            {
                keys[i] = r.Keys[i].ToByteArray();
            }

            var response = new RawBatchGetResponse();
            foreach (Txn.KvPair pair in raw.BatchGet(keys))
            {
                response.Pairs.Add(ToProto(pair));
            }

            return response;
        }, static e => new RawBatchGetResponse { RegionError = e }, static m => new RawBatchGetResponse { Pairs = { ErrorPair(m) } });

    /// <inheritdoc/>
    public override Task<RawPutResponse> RawPut(RawPutRequest request, ServerCallContext context) =>
        ExecuteAsync(request, request.Context, context, static (raw, r) =>
        {
            CheckCf(r.Cf);
            raw.Put(r.Key.ToByteArray(), r.Value.ToByteArray(), r.Ttl);
            return new RawPutResponse();
        }, static e => new RawPutResponse { RegionError = e }, static m => new RawPutResponse { Error = m });

    /// <inheritdoc/>
    public override Task<RawBatchPutResponse> RawBatchPut(RawBatchPutRequest request, ServerCallContext context) =>
        ExecuteAsync(request, request.Context, context, static (raw, r) =>
        {
            CheckCf(r.Cf);
            var pairs = new List<Txn.KvPair>(r.Pairs.Count);
            foreach (Kvrpcpb.KvPair p in r.Pairs)
            {
                pairs.Add(new Txn.KvPair { Key = p.Key.ToByteArray(), Value = p.Value.ToByteArray() });
            }

            // ttls: one per pair or one for all; without them the deprecated single ttl applies to all.
            ulong[] ttls = r.Ttls.Count > 0 ? [.. r.Ttls] : r.Ttl != 0 ? [r.Ttl] : [];
            raw.BatchPut(pairs, ttls);
            return new RawBatchPutResponse();
        }, static e => new RawBatchPutResponse { RegionError = e }, static m => new RawBatchPutResponse { Error = m });

    /// <inheritdoc/>
    public override Task<RawDeleteResponse> RawDelete(RawDeleteRequest request, ServerCallContext context) =>
        ExecuteAsync(request, request.Context, context, static (raw, r) =>
        {
            CheckCf(r.Cf);
            raw.Delete(r.Key.ToByteArray());
            return new RawDeleteResponse();
        }, static e => new RawDeleteResponse { RegionError = e }, static m => new RawDeleteResponse { Error = m });

    /// <inheritdoc/>
    public override Task<RawBatchDeleteResponse> RawBatchDelete(RawBatchDeleteRequest request, ServerCallContext context) =>
        ExecuteAsync(request, request.Context, context, static (raw, r) =>
        {
            CheckCf(r.Cf);
            var keys = new byte[r.Keys.Count][];
            for (int i = 0; i < keys.Length; i++)
            {
                keys[i] = r.Keys[i].ToByteArray();
            }

            raw.BatchDelete(keys);
            return new RawBatchDeleteResponse();
        }, static e => new RawBatchDeleteResponse { RegionError = e }, static m => new RawBatchDeleteResponse { Error = m });

    /// <inheritdoc/>
    public override Task<RawScanResponse> RawScan(RawScanRequest request, ServerCallContext context) =>
        ExecuteAsync(request, request.Context, context, static (raw, r) =>
        {
            CheckCf(r.Cf);
            if (raw.Engine is RaftKvEngine engine)
            {
                engine.CheckScanStart(r.StartKey.Span, r.Reverse);
            }

            var response = new RawScanResponse();
            if (r.Limit == 0)
            {
                return response; // RawStore reads 0 as unlimited; TiKV answers no pairs
            }

            foreach (Txn.KvPair pair in raw.Scan(r.StartKey.ToByteArray(), r.EndKey.ToByteArray(), r.Limit, r.KeyOnly, r.Reverse))
            {
                response.Kvs.Add(ToProto(pair));
            }

            return response;
        }, static e => new RawScanResponse { RegionError = e }, static m => new RawScanResponse { Kvs = { ErrorPair(m) } });

    /// <inheritdoc/>
    public override Task<RawDeleteRangeResponse> RawDeleteRange(RawDeleteRangeRequest request, ServerCallContext context) =>
        ExecuteAsync(request, request.Context, context, static (raw, r) =>
        {
            CheckCf(r.Cf);
            raw.DeleteRange(r.StartKey.ToByteArray(), r.EndKey.ToByteArray());
            return new RawDeleteRangeResponse();
        }, static e => new RawDeleteRangeResponse { RegionError = e }, static m => new RawDeleteRangeResponse { Error = m });

    /// <inheritdoc/>
    public override Task<RawGetKeyTTLResponse> RawGetKeyTTL(RawGetKeyTTLRequest request, ServerCallContext context) =>
        ExecuteAsync(request, request.Context, context, static (raw, r) =>
        {
            CheckCf(r.Cf);
            ulong? ttl = raw.GetKeyTtl(r.Key.ToByteArray());
            return ttl is null ? new RawGetKeyTTLResponse { NotFound = true } : new RawGetKeyTTLResponse { Ttl = ttl.Value };
        }, static e => new RawGetKeyTTLResponse { RegionError = e }, static m => new RawGetKeyTTLResponse { Error = m });

    /// <inheritdoc/>
    public override Task<RawCASResponse> RawCompareAndSwap(RawCASRequest request, ServerCallContext context) =>
        ExecuteAsync(request, request.Context, context, static (raw, r) =>
        {
            CheckCf(r.Cf);
            RawCasResult result = raw.CompareAndSwap(r.Key.ToByteArray(), r.Value.ToByteArray(), r.PreviousNotExist,
                r.PreviousValue.ToByteArray(), r.Ttl, r.Delete);
            return new RawCASResponse
            {
                Succeed = result.Succeed,
                PreviousNotExist = result.PreviousNotExist,
                PreviousValue = UnsafeByteOperations.UnsafeWrap(result.PreviousValue),
            };
        }, static e => new RawCASResponse { RegionError = e }, static m => new RawCASResponse { Error = m });

    private static void CheckCf(string cf)
    {
        if (cf.Length != 0 && cf != "default")
        {
            throw new ArgumentException($"column family '{cf}' is not served for raw requests (only \"default\")");
        }
    }

    private static Kvrpcpb.KvPair ToProto(Txn.KvPair pair) => new()
    {
        Key = UnsafeByteOperations.UnsafeWrap(pair.Key),
        Value = UnsafeByteOperations.UnsafeWrap(pair.Value),
    };

    private static Kvrpcpb.KvPair ErrorPair(string message) => new() { Error = new Kvrpcpb.KeyError { Abort = message } };
}
