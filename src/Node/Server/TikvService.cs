using Grpc.Core;
using ManagedKv.Node.Kv;
using ManagedKv.Txn;

namespace ManagedKv.Node.Server;

/// <summary>
/// The store's <c>tikvpb.Tikv</c> gRPC service (TiKV's KvService), hosted on the node's Kestrel server beside the Raft
/// transport (<see cref="Transport.NodeRaftServerOptions.ConfigureServices"/>: add the instance as a singleton;
/// <see cref="Transport.NodeRaftServerOptions.MapServices"/>: <c>MapGrpcService&lt;TikvService&gt;()</c>). This file
/// is the shared plumbing; <c>TikvService.Raw.cs</c> serves the Raw* methods through the store's <see cref="RawStore"/>.
/// </summary>
/// <remarks>
/// Every call runs on the <see cref="KvWorkerPool"/> (the engine blocks its thread) inside
/// <see cref="RaftKvEngine.Scope"/> of the request's <c>context.region_id</c> and <c>region_epoch</c>; a batch request
/// is for one region (its one context), as in TiKV. Errors, as TiKV answers them: a
/// <see cref="RegionErrorException"/> becomes the response's <c>region_error</c>; a missing or zero region id is
/// <c>region_not_found</c>; a full worker queue is <c>server_is_busy</c>; any other failure goes to the response's
/// <c>error</c> string, or, for responses without one (RawBatchGet, RawScan), to one <c>KvPair</c> carrying a
/// <c>KeyError.abort</c>. Nothing is a gRPC status except cancellation by the caller. Methods not overridden answer
/// UNIMPLEMENTED. Owns its worker pool: dispose the service after the server stopped. Thread-safe.
/// </remarks>
public sealed partial class TikvService : Tikvpb.Tikv.TikvBase, IDisposable
{
    private readonly RawStore _raw;
    private readonly KvWorkerPool _pool;

    /// <summary>Serves the store whose engine is <paramref name="engine"/>, raw calls through <paramref name="raw"/>
    /// (a <see cref="RawStore"/> over that engine, store-wide).</summary>
    public TikvService(RaftKvEngine engine, RawStore raw, TikvServiceOptions? options = null)
    {
        Engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _raw = raw ?? throw new ArgumentNullException(nameof(raw));
        options ??= new TikvServiceOptions();
        _pool = new KvWorkerPool(options.WorkerThreads, options.QueueCapacity);
    }

    /// <summary>The store's Raft-backed engine.</summary>
    public RaftKvEngine Engine { get; }

    /// <summary>The worker the calls run on (its queue length).</summary>
    public KvWorkerPool Workers => _pool;

    /// <summary>Stops the workers after the queued calls ran.</summary>
    public void Dispose() => _pool.Dispose();

    /// <summary>
    /// Runs <paramref name="body"/> on a worker inside the request's region scope and maps failures as the remarks of
    /// the class say: <paramref name="regionError"/> builds the response for a region error,
    /// <paramref name="otherError"/> for any other failure's message.
    /// </summary>
    private Task<TResponse> ExecuteAsync<TRequest, TResponse>(TRequest request, Kvrpcpb.Context? context, ServerCallContext call,
        Func<RawStore, TRequest, TResponse> body, Func<Errorpb.Error, TResponse> regionError, Func<string, TResponse> otherError)
    {
        if (context is null || context.RegionId == 0)
        {
            return Task.FromResult(regionError(new Errorpb.Error
            {
                Message = "request has no region id",
                RegionNotFound = new Errorpb.RegionNotFound(),
            }));
        }

        var work = new Work<TRequest, TResponse>(_raw, request, context, body, regionError, otherError);
        if (!_pool.TryRun(static w => w.Run(), work, call.CancellationToken, out Task<TResponse> task))
        {
            return Task.FromResult(regionError(new Errorpb.Error
            {
                Message = $"kv worker queue is full ({_pool.QueueCapacity} calls waiting) or the service is stopped",
                ServerIsBusy = new Errorpb.ServerIsBusy { Reason = "kv worker queue full" },
            }));
        }

        return task;
    }

    /// <summary>One queued call: its request, context and mappings (the state of a worker item).</summary>
    private sealed class Work<TRequest, TResponse>(RawStore raw, TRequest request, Kvrpcpb.Context context,
        Func<RawStore, TRequest, TResponse> body, Func<Errorpb.Error, TResponse> regionError, Func<string, TResponse> otherError)
    {
        public TResponse Run()
        {
            using (RaftKvEngine.Scope(context.RegionId, context.RegionEpoch))
            {
                try
                {
                    return body(raw, request);
                }
                catch (RegionErrorException e)
                {
                    return regionError(e.Error);
                }
                catch (Exception e)
                {
                    return otherError($"{e.GetType().Name}: {e.Message}");
                }
            }
        }
    }
}
