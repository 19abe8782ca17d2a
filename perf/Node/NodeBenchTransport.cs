using ManagedKv.Node.Batch;
using ManagedKv.Node.Store;
using ManagedKv.Raft;

namespace ManagedKv.Perf.Node;

/// <summary>In-process delivery between the benchmark's stores: encode, decode, <see cref="Router.Send"/> on the
/// target, on the sender's raft thread (the encode/decode stands in for the wire).</summary>
internal sealed class NodeBenchTransport(int stores)
{
    private readonly Router?[] _routers = new Router?[stores + 1];

    public void Connect(ulong storeId, Router router) => Volatile.Write(ref _routers[storeId], router);

    public IRaftMessageSink Sink() => new MessageSink(this);

    private sealed class MessageSink(NodeBenchTransport transport) : IRaftMessageSink
    {
        public void Send(ulong regionId, ulong toStoreId, Message message)
        {
            byte[] bytes = new byte[MessageCodec.GetEncodedLength(message)];
            MessageCodec.Encode(message, bytes);
            int pos = 0;
            Volatile.Read(ref transport._routers[toStoreId])?.Send(regionId, MessageCodec.Decode(bytes, ref pos));
        }
    }
}
