namespace ManagedKv.Raft;

/// <summary>A pending safe read: the commit index when it arrived and which voters acknowledged the heartbeat
/// carrying its context.</summary>
internal sealed class ReadIndexStatus
{
    public ReadIndexStatus(ulong index, Message request)
    {
        Index = index;
        Request = request;
    }

    public ulong Index { get; }

    public Message Request { get; }

    public Dictionary<ulong, bool> Acks { get; } = new();
}
