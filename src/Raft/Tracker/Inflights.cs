namespace ManagedKv.Raft;

/// <summary>
/// The sliding window of MsgAppend messages sent to a follower in <see cref="ProgressState.Replicate"/> and not
/// yet acknowledged, bounded by <see cref="RaftConfig.MaxInflightMsgs"/> (etcd's inflights). Each slot holds the
/// last index the message carried. A ring buffer: no allocation after construction.
/// Invariant: the indices in the window are strictly increasing from <c>_start</c>.
/// </summary>
internal sealed class Inflights
{
    private readonly ulong[] _buffer;
    private int _start;
    private int _count;

    public Inflights(int capacity)
    {
        if (capacity <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "inflight capacity must be positive");
        }

        _buffer = new ulong[capacity];
    }

    public int Count => _count;

    public int Capacity => _buffer.Length;

    public bool Full => _count == _buffer.Length;

    public void Add(ulong lastIndex)
    {
        if (Full)
        {
            throw new InvalidOperationException("cannot add into a full inflights window");
        }

        int next = _start + _count;
        if (next >= _buffer.Length)
        {
            next -= _buffer.Length;
        }

        _buffer[next] = lastIndex;
        _count++;
    }

    /// <summary>Frees every message whose last index is at most <paramref name="to"/>.</summary>
    public void FreeLE(ulong to)
    {
        if (_count == 0 || to < _buffer[_start])
        {
            return;
        }

        int idx = _start;
        int i = 0;
        for (; i < _count; i++)
        {
            if (to < _buffer[idx])
            {
                break;
            }

            if (++idx >= _buffer.Length)
            {
                idx = 0;
            }
        }

        _count -= i;
        _start = idx;
        if (_count == 0)
        {
            _start = 0;
        }
    }

    /// <summary>Frees the oldest message so a stalled window can send again (after a heartbeat answer).</summary>
    public void FreeFirstOne()
    {
        if (_count > 0)
        {
            FreeLE(_buffer[_start]);
        }
    }

    public void Reset()
    {
        _count = 0;
        _start = 0;
    }
}
