namespace ManagedKv.Raft;

/// <summary>
/// The leader's queue of safe ReadIndex requests awaiting a heartbeat quorum (etcd's readOnly). Requests are
/// answered in arrival order: an acknowledgement for one request confirms every earlier one too.
/// Invariant: <c>_queue</c> and <c>_pending</c> hold the same contexts.
/// </summary>
internal sealed class ReadOnlyTracker
{
    private readonly Dictionary<byte[], ReadIndexStatus> _pending = new(ByteArrayComparer.Instance);
    private readonly List<byte[]> _queue = [];

    public ReadOnlyTracker(ReadOnlyOption option)
    {
        Option = option;
    }

    public ReadOnlyOption Option { get; }

    public int PendingCount => _queue.Count;

    /// <summary>Queues a request read at <paramref name="index"/> (the commit index when it arrived).</summary>
    public void AddRequest(ulong index, Message request)
    {
        byte[] ctx = request.Context.ToArray();
        if (_pending.ContainsKey(ctx))
        {
            return;
        }

        _pending[ctx] = new ReadIndexStatus(index, request);
        _queue.Add(ctx);
    }

    /// <summary>Records a heartbeat acknowledgement; returns the acks so far, or null for an unknown context.</summary>
    public Dictionary<ulong, bool>? RecvAck(ulong id, ReadOnlyMemory<byte> context)
    {
        if (!_pending.TryGetValue(context.ToArray(), out ReadIndexStatus? rs))
        {
            return null;
        }

        rs.Acks[id] = true;
        return rs.Acks;
    }

    /// <summary>Dequeues the request with <paramref name="context"/> and every request before it.</summary>
    public List<ReadIndexStatus> Advance(ReadOnlyMemory<byte> context)
    {
        var result = new List<ReadIndexStatus>();
        int found = -1;
        for (int i = 0; i < _queue.Count; i++)
        {
            if (context.Span.SequenceEqual(_queue[i]))
            {
                found = i;
                break;
            }
        }

        if (found < 0)
        {
            return result;
        }

        for (int i = 0; i <= found; i++)
        {
            result.Add(_pending[_queue[i]]);
            _pending.Remove(_queue[i]);
        }

        _queue.RemoveRange(0, found + 1);
        return result;
    }

    /// <summary>The context of the newest pending request, or empty.</summary>
    public ReadOnlyMemory<byte> LastPendingRequestContext() => _queue.Count == 0 ? default : _queue[^1];
}
