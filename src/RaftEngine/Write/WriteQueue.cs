namespace ManagedKv.RaftEngine;

/// <summary>
/// The single write path's queue (leveldb's <c>DBImpl::Write</c>, raft-engine's write barrier): writers line up,
/// the one at the front becomes leader, takes the writers queued behind it as its group, writes them all with one
/// system call and one fsync, applies them, then wakes them and hands leadership to the next writer. While a leader
/// writes, the next group forms behind it, so concurrent sync writers share fsyncs.
/// </summary>
/// <remarks>Thread-safe. The leader is the only thread that appends to the pipe or mutates the index.</remarks>
internal sealed class WriteQueue
{
    // Guards _head, _tail and every queued writer's Next. Never held during I/O.
    private readonly Lock _lock = new();
    private Writer? _head;
    private Writer? _tail;

    /// <summary>
    /// Queues <paramref name="writer"/> and waits. Returns true when it is the leader (it must then call
    /// <see cref="CollectGroup"/> and <see cref="Complete"/>); false when a leader has completed its write.
    /// </summary>
    public bool Join(Writer writer)
    {
        writer.Done = false;
        writer.Error = null;
        writer.Next = null;
        writer.Signal.Reset();
        lock (_lock)
        {
            if (_tail == null)
            {
                _head = _tail = writer;
                return true;
            }
            _tail.Next = writer;
            _tail = writer;
        }
        writer.Signal.Wait();
        return !writer.Done;
    }

    /// <summary>
    /// The leader's group: the leader and the writers queued behind it, up to <paramref name="maxBytes"/> of batches
    /// (at least the leader), stopping before an exclusive writer. Returns the group's last writer.
    /// </summary>
    public Writer CollectGroup(Writer leader, long maxBytes)
    {
        if (leader.Exclusive)
        {
            return leader;
        }
        lock (_lock)
        {
            Writer last = leader;
            long bytes = leader.Batch!.EncodedLength;
            for (Writer? w = leader.Next; w != null && !w.Exclusive; w = w.Next)
            {
                bytes += w.Batch!.EncodedLength;
                if (bytes > maxBytes)
                {
                    break;
                }
                last = w;
            }
            return last;
        }
    }

    /// <summary>Removes the group leader..last, wakes the next writer as leader and the group's followers as done.</summary>
    public void Complete(Writer leader, Writer last)
    {
        Writer? next;
        lock (_lock)
        {
            next = last.Next;
            _head = next;
            if (next == null)
            {
                _tail = null;
            }
        }
        // The next leader first: it gathers and writes the next group while this thread wakes the followers.
        next?.Signal.Set();
        Writer w = leader;
        while (w != last)
        {
            // Read the link first: a woken follower may reuse its writer at once.
            Writer following = w.Next!;
            if (w != leader)
            {
                w.Done = true;
                w.Signal.Set();
            }
            w = following;
        }
        if (last != leader)
        {
            last.Done = true;
            last.Signal.Set();
        }
    }
}
