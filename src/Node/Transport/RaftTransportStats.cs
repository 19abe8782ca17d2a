namespace ManagedKv.Node.Transport;

/// <summary>Counters of one target store (or all of them) in a <see cref="GrpcRaftTransport"/>, since it started.</summary>
/// <param name="MessagesSent">Messages written to the store's stream.</param>
/// <param name="MessagesDropped">Messages dropped: queue full, store unreachable, failed write, or shutdown.</param>
/// <param name="Batches">RaftBatch writes that succeeded.</param>
/// <param name="Bytes">Encoded message bytes written.</param>
/// <param name="Connects">Streams opened (the first connection and every reconnection).</param>
/// <param name="Failures">Connection attempts or writes that failed.</param>
public readonly record struct RaftTransportStats(long MessagesSent, long MessagesDropped, long Batches, long Bytes, long Connects, long Failures)
{
    /// <summary>The sum of two counters.</summary>
    public static RaftTransportStats operator +(RaftTransportStats a, RaftTransportStats b) =>
        new(a.MessagesSent + b.MessagesSent, a.MessagesDropped + b.MessagesDropped, a.Batches + b.Batches, a.Bytes + b.Bytes,
            a.Connects + b.Connects, a.Failures + b.Failures);
}
