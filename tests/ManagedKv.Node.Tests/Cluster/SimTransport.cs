using ManagedKv.Node.Store;
using ManagedKv.Raft;

namespace ManagedKv.Node.Tests.Cluster;

/// <summary>
/// A simulated network: messages are encoded (MessageCodec) into per-step queues and delivered by the cluster's
/// step loop; links can be cut (partition) and stores taken down (their messages dropped both ways).
/// </summary>
public sealed class SimTransport
{
    private readonly HashSet<(ulong From, ulong To)> _cut = [];
    private List<(ulong From, ulong To, ulong Region, byte[] Bytes)> _queue = [];

    public long Sent { get; private set; }

    public long Dropped { get; private set; }

    public IRaftMessageSink SinkFor(ulong storeId) => new Sink(this, storeId);

    public void Isolate(ulong store, IEnumerable<ulong> others)
    {
        foreach (ulong o in others)
        {
            if (o != store)
            {
                _cut.Add((store, o));
                _cut.Add((o, store));
            }
        }
    }

    public void Heal() => _cut.Clear();

    public bool IsCut(ulong from, ulong to) => _cut.Contains((from, to));

    /// <summary>Takes everything queued so far (messages sent while delivering go to the next round).</summary>
    public List<(ulong From, ulong To, ulong Region, byte[] Bytes)> TakeAll()
    {
        List<(ulong, ulong, ulong, byte[])> taken = _queue;
        _queue = [];
        return taken;
    }

    public void CountDrop() => Dropped++;

    private sealed class Sink(SimTransport transport, ulong storeId) : IRaftMessageSink
    {
        public void Send(ulong regionId, ulong toStoreId, Message message)
        {
            byte[] bytes = new byte[MessageCodec.GetEncodedLength(message)];
            MessageCodec.Encode(message, bytes);
            transport._queue.Add((storeId, toStoreId, regionId, bytes));
            transport.Sent++;
        }
    }
}
