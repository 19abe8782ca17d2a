namespace ManagedKv.Raft;

/// <summary>
/// Recycles one node's outgoing messages of the hot path (MsgAppend and its response, heartbeats and their
/// responses, forwarded proposals). A message is rented when the node sends it and returned when the Ready that
/// carried it is released, so steady replication allocates no message objects.
/// Invariant: a message goes back only to the pool that rented it; no node keeps a received message of these types
/// past its Step call (a forwarded proposal is copied), so a recycled message is referenced by nobody.
/// Single-threaded, like the node that owns it.
/// </summary>
internal sealed class MessagePool
{
    /// <summary>Free messages kept for reuse; more are left to the garbage collector.</summary>
    private const int MaxFree = 256;

    private readonly Stack<Message> _free = new();

    public Message Rent(MessageType type, ulong to)
    {
        Message m = _free.Count > 0 ? _free.Pop() : new Message { Owner = this };
        m.Type = type;
        m.To = to;
        return m;
    }

    /// <summary>Takes back <paramref name="m"/> if this pool rented it; other messages are left alone.</summary>
    public void Return(Message m)
    {
        if (!ReferenceEquals(m.Owner, this) || _free.Count >= MaxFree)
        {
            return;
        }

        m.Reset();
        _free.Push(m);
    }
}
