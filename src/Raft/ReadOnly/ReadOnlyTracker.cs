namespace ManagedKv.Raft;

/// <summary>
/// The leader's queue of safe ReadIndex requests awaiting a heartbeat quorum (etcd's readOnly). Requests are
/// answered in arrival order: an acknowledgement for one request confirms every earlier one too. A request's
/// context is copied once when it arrives; acknowledgements look it up without copying.
/// Invariant: <c>_queue</c> and <c>_pending</c> hold the same requests.
/// </summary>
internal sealed class ReadOnlyTracker
{
    private readonly Dictionary<ReadOnlyMemory<byte>, ReadIndexStatus> _pending = new(ByteMemoryComparer.Instance);
    private readonly List<ReadIndexStatus> _queue = [];

    public ReadOnlyTracker(ReadOnlyOption option)
    {
        Option = option;
    }

    public ReadOnlyOption Option { get; }

    public int PendingCount => _queue.Count;

    /// <summary>Queues a request read at <paramref name="index"/> (the commit index when it arrived).</summary>
    public void AddRequest(ulong index, Message request)
    {
        if (_pending.ContainsKey(request.Context))
        {
            return;
        }

        var rs = new ReadIndexStatus(index, request, request.Context.ToArray());
        _pending[rs.Context] = rs;
        _queue.Add(rs);
    }

    /// <summary>Records a heartbeat acknowledgement; returns the acks so far, or null for an unknown context.</summary>
    public Dictionary<ulong, bool>? RecvAck(ulong id, ReadOnlyMemory<byte> context)
    {
        if (!_pending.TryGetValue(context, out ReadIndexStatus? rs))
        {
            return null;
        }

        rs.Acks[id] = true;
        return rs.Acks;
    }

    /// <summary>Moves the request with <paramref name="context"/> and every request before it to
    /// <paramref name="output"/>.</summary>
    public void Advance(ReadOnlyMemory<byte> context, List<ReadIndexStatus> output)
    {
        if (!_pending.TryGetValue(context, out ReadIndexStatus? last))
        {
            return;
        }

        int found = _queue.IndexOf(last);
        for (int i = 0; i <= found; i++)
        {
            output.Add(_queue[i]);
            _pending.Remove(_queue[i].Context);
        }

        _queue.RemoveRange(0, found + 1);
    }

    /// <summary>The context of the newest pending request, or empty.</summary>
    public ReadOnlyMemory<byte> LastPendingRequestContext() => _queue.Count == 0 ? default : _queue[^1].Context;
}
