using Grpc.Core;
using ManagedKv.Node.Batch;
using ManagedKv.Raft;
using Mkvraft;

namespace ManagedKv.Node.Transport;

/// <summary>
/// The receiving side of the Raft transport: serves <c>mkvraft.RaftTransport/Send</c> streams for one store, decodes
/// each envelope's message (MessageCodec, zero-copy over the received buffer) and delivers it with
/// <see cref="Router.Send"/>. An envelope for another store is refused (counted, the stream goes on); an undecodable
/// message ends the stream with INVALID_ARGUMENT (counted). Messages for regions the router does not know are
/// counted (the router counts them too). Thread-safe: Kestrel runs each stream on its own task.
/// </summary>
public sealed class RaftTransportService : RaftTransport.RaftTransportBase
{
    private static readonly RaftDone s_done = new();
    private readonly Router _router;
    private long _received;
    private long _batches;
    private long _wrongStore;
    private long _undelivered;
    private long _decodeErrors;

    /// <summary>Serves the store whose router is <paramref name="router"/>.</summary>
    public RaftTransportService(Router router)
    {
        ArgumentNullException.ThrowIfNull(router);
        _router = router;
    }

    /// <summary>The store served.</summary>
    public ulong StoreId => _router.StoreId;

    /// <summary>Messages handed to the router and accepted.</summary>
    public long MessagesReceived => Interlocked.Read(ref _received);

    /// <summary>Batches read.</summary>
    public long BatchesReceived => Interlocked.Read(ref _batches);

    /// <summary>Envelopes refused because <c>to_store</c> was not this store.</summary>
    public long WrongStoreRefused => Interlocked.Read(ref _wrongStore);

    /// <summary>Messages the router refused (unknown region, or the store stopping).</summary>
    public long Undelivered => Interlocked.Read(ref _undelivered);

    /// <summary>Streams ended because a message did not decode.</summary>
    public long DecodeErrors => Interlocked.Read(ref _decodeErrors);

    /// <inheritdoc/>
    public override async Task<RaftDone> Send(IAsyncStreamReader<RaftBatch> requestStream, ServerCallContext context)
    {
        ulong storeId = _router.StoreId;
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            RaftBatch batch = requestStream.Current;
            Interlocked.Increment(ref _batches);
            long received = 0;
            foreach (RaftEnvelope envelope in batch.Messages)
            {
                if (envelope.ToStore != storeId)
                {
                    Interlocked.Increment(ref _wrongStore);
                    continue;
                }

                Message message = Decode(envelope);
                if (_router.Send(envelope.RegionId, message))
                {
                    received++;
                }
                else
                {
                    Interlocked.Increment(ref _undelivered);
                }
            }

            Interlocked.Add(ref _received, received);
        }

        return s_done;
    }

    private Message Decode(RaftEnvelope envelope)
    {
        ReadOnlyMemory<byte> bytes = envelope.Message.Memory;
        int pos = 0;
        try
        {
            Message message = MessageCodec.Decode(bytes, ref pos);
            if (pos != bytes.Length)
            {
                throw new CorruptMessageException($"{bytes.Length - pos} bytes after the message", pos);
            }

            return message;
        }
        catch (CorruptMessageException e)
        {
            Interlocked.Increment(ref _decodeErrors);
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument,
                $"region {envelope.RegionId} from store {envelope.FromStore}: undecodable Raft message ({e.Message}, offset {e.Offset})"));
        }
    }
}
