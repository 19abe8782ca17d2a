using ManagedKv.Raft;

namespace ManagedKv.Node.Store;

/// <summary>Where a <see cref="Peer"/> sends its Raft messages (the transport).</summary>
public interface IRaftMessageSink
{
    /// <summary>
    /// Sends <paramref name="message"/> of region <paramref name="regionId"/> to the store <paramref name="toStoreId"/>.
    /// Must encode or copy it before returning: the RawNode recycles its messages once the Ready is released.
    /// Called on the peer's thread.
    /// </summary>
    void Send(ulong regionId, ulong toStoreId, Message message);
}
