using ManagedKv.Node.Batch;
using ManagedKv.Node.Store;
using ManagedKv.Raft;

namespace ManagedKv.Node.Tests.Batch;

/// <summary>Connects the stores' routers in one process: a sent message is encoded, decoded and handed to the target
/// store's <see cref="Router.Send"/> on the sender's thread; a store that is down or isolated drops it.</summary>
public sealed class InMemoryTransport
{
    private readonly Router?[] _routers;
    private long _isolated; // a store cut off from all others (0: none)
    private long _sent;
    private long _dropped;

    public InMemoryTransport(int stores) => _routers = new Router?[stores + 1];

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Called on the sender's (raft-pool) thread before each message goes out: (from store, region, message).</summary>
    public Action<ulong, ulong, Message>? OnSend { get; set; }

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Connect(ulong storeId, Router? router) => Volatile.Write(ref _routers[storeId], router);

    /// <summary>Cuts <paramref name="storeId"/> off from every other store (both ways).</summary>
    public void Isolate(ulong storeId) => Interlocked.Exchange(ref _isolated, (long)storeId);

    public void Heal() => Interlocked.Exchange(ref _isolated, 0);

    public IRaftMessageSink SinkFor(ulong storeId) => new Sink(this, storeId);

    private sealed class Sink(InMemoryTransport transport, ulong fromStoreId) : IRaftMessageSink
    {
        public void Send(ulong regionId, ulong toStoreId, Message message)
        {
            transport.OnSend?.Invoke(fromStoreId, regionId, message);
            ulong isolated = (ulong)Interlocked.Read(ref transport._isolated);
            if (isolated != 0 && (isolated == fromStoreId || isolated == toStoreId))
            {
                Interlocked.Increment(ref transport._dropped);
                return;
            }

            byte[] bytes = new byte[MessageCodec.GetEncodedLength(message)];
            MessageCodec.Encode(message, bytes);
            Interlocked.Increment(ref transport._sent);
            Router? target = Volatile.Read(ref transport._routers[toStoreId]);
            int pos = 0;
            if (target is null || !target.Send(regionId, MessageCodec.Decode(bytes, ref pos)))
            {
                Interlocked.Increment(ref transport._dropped);
            }
        }
    }
}
