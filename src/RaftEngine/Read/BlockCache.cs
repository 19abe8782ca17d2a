namespace ManagedKv.RaftEngine;

/// <summary>
/// A small LRU of verified, decompressed entry blocks keyed by (file, offset), bounded in bytes, so a fetch of
/// neighbouring entries decompresses a block once. File sequence numbers are never reused, so entries of purged
/// files are simply never hit again and age out. Thread-safe (one lock, held only for the map update).
/// </summary>
internal sealed class BlockCache
{
    private readonly long _capacity;

    // Guards _map, _lru and _size.
    private readonly Lock _lock = new();
    private readonly Dictionary<(ulong Seq, long Offset), LinkedListNode<Entry>> _map = [];
    private readonly LinkedList<Entry> _lru = new();
    private long _size;

    private readonly record struct Entry(ulong Seq, long Offset, byte[] Data);

    public BlockCache(long capacity) => _capacity = capacity;

    public long Size => Volatile.Read(ref _size);

    /// <summary>Blocks larger than this are not cached (they would evict everything else).</summary>
    public long MaxBlockSize => _capacity / 4;

    public byte[]? TryGet(ulong seq, long offset)
    {
        if (_capacity == 0)
        {
            return null;
        }
        lock (_lock)
        {
            if (_map.TryGetValue((seq, offset), out LinkedListNode<Entry>? node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                return node.Value.Data;
            }
        }
        return null;
    }

    public void Insert(ulong seq, long offset, byte[] data)
    {
        if (data.Length > MaxBlockSize)
        {
            return;
        }
        lock (_lock)
        {
            if (_map.ContainsKey((seq, offset)))
            {
                return;
            }
            LinkedListNode<Entry> node = _lru.AddFirst(new Entry(seq, offset, data));
            _map.Add((seq, offset), node);
            _size += data.Length;
            while (_size > _capacity && _lru.Last != null)
            {
                Entry victim = _lru.Last.Value;
                _lru.RemoveLast();
                _map.Remove((victim.Seq, victim.Offset));
                _size -= victim.Data.Length;
            }
        }
    }
}
