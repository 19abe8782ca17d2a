using System.Collections.Concurrent;
using ManagedKv.Node.Store;
using ManagedKv.Raft;

namespace ManagedKv.Node.Transport;

/// <summary>
/// The node-to-node Raft transport over gRPC (TiKV's RaftClient): an <see cref="IRaftMessageSink"/> for one store's
/// <see cref="Batch.StoreSystem"/>. <see cref="Send"/> encodes the message (MessageCodec) into the target store's
/// bounded queue and returns; one sender task per target store keeps ONE long-lived <c>mkvraft.RaftTransport/Send</c>
/// client stream open and writes whatever is queued as one <c>RaftBatch</c> (at most
/// <see cref="GrpcRaftTransportOptions.MaxBatchBytes"/>), so a busy store sends few large frames.
/// <para>Loss: a full queue, an unreachable store (connection or write failure, then the backoff) or shutdown drops
/// messages and counts them (<see cref="GetStats"/>). Raft tolerates loss (heartbeats and append rejections make the
/// leader resend). The router has no "unreachable" hook yet, so the leader is not told (RawNode.ReportUnreachable,
/// which would move the follower's progress to probing at once); it notices through rejections instead.</para>
/// <para>Threads: <see cref="Send"/> from any thread (the raft pool); <see cref="DisposeAsync"/> once.</para>
/// </summary>
public sealed class GrpcRaftTransport : IRaftMessageSink, IAsyncDisposable
{
    private readonly IStoreAddressResolver _resolver;
    private readonly GrpcRaftTransportOptions _options;
    private readonly ConcurrentDictionary<ulong, StoreConnection> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly object _createLock = new(); // guards creating connections and _disposed's transition (one-time paths)
    private volatile bool _disposed;
    private long _droppedNoStore;

    /// <summary>Creates the transport of store <paramref name="storeId"/> (the envelopes' <c>from_store</c>); target
    /// addresses come from <paramref name="resolver"/>. Connections open on the first message to each store.</summary>
    public GrpcRaftTransport(ulong storeId, IStoreAddressResolver resolver, GrpcRaftTransportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        options ??= new GrpcRaftTransportOptions();
        options.Validate();
        StoreId = storeId;
        _resolver = resolver;
        _options = options;
    }

    /// <summary>The sending store.</summary>
    public ulong StoreId { get; }

    /// <summary>The target stores seen so far.</summary>
    public ICollection<ulong> TargetStores => _connections.Keys;

    /// <summary>Counters summed over every target store, plus messages dropped because the target was unknown (store
    /// id 0) or the transport was disposed.</summary>
    public RaftTransportStats TotalStats
    {
        get
        {
            var total = new RaftTransportStats(0, Interlocked.Read(ref _droppedNoStore), 0, 0, 0, 0);
            foreach (StoreConnection c in _connections.Values)
            {
                total += c.Stats;
            }

            return total;
        }
    }

    /// <summary>The counters of target store <paramref name="storeId"/> (zero if never addressed).</summary>
    public RaftTransportStats GetStats(ulong storeId) =>
        _connections.TryGetValue(storeId, out StoreConnection? c) ? c.Stats : default;

    /// <inheritdoc/>
    /// <remarks>Encodes before returning (the RawNode recycles <paramref name="message"/>); never blocks on the network.</remarks>
    public void Send(ulong regionId, ulong toStoreId, Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_disposed || toStoreId == 0)
        {
            Interlocked.Increment(ref _droppedNoStore);
            return;
        }

        if (!_connections.TryGetValue(toStoreId, out StoreConnection? connection))
        {
            lock (_createLock)
            {
                if (_disposed)
                {
                    Interlocked.Increment(ref _droppedNoStore);
                    return;
                }

                if (!_connections.TryGetValue(toStoreId, out connection))
                {
                    connection = new StoreConnection(toStoreId, StoreId, _resolver, _options, _stop.Token);
                    _connections[toStoreId] = connection;
                }
            }
        }

        connection.Enqueue(regionId, message);
    }

    /// <summary>Stops every sender (queued messages are dropped and counted), closes the streams and channels.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_createLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (StoreConnection c in _connections.Values)
        {
            await c.SenderTask.ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
