namespace ManagedKv.Raft;

/// <summary>A pending safe read: the commit index when it arrived, its context (a private copy), and which voters
/// acknowledged the heartbeat carrying it.</summary>
internal sealed class ReadIndexStatus
{
    public ReadIndexStatus(ulong index, Message request, byte[] context)
    {
        Index = index;
        Request = request;
        Context = context;
    }

    public ulong Index { get; }

    public Message Request { get; }

    public byte[] Context { get; }

    public Dictionary<ulong, bool> Acks { get; } = new();
}
