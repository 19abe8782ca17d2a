namespace ManagedKv.Lsm.Table;

/// <summary>
/// One LRU shard of <see cref="BlockCache"/>: a dictionary plus an intrusive doubly linked recency list, charged in
/// bytes. Thread-safe: every member takes <see cref="_lock"/> except the counters, which are read without it
/// (64-bit reads, approximate while writers run).
/// </summary>
internal sealed class BlockCacheShard
{
    /// <summary>Bytes charged per entry on top of its block: the node object and its dictionary slot.</summary>
    public const int EntryOverhead = 96;

    private readonly Lock _lock = new(); // guards every field below
    private readonly Dictionary<BlockCacheKey, Node> _map = new();
    private Node? _head;   // most recently used
    private Node? _tail;   // least recently used: evicted first
    private long _capacity;
    private long _usage;
    private long _hits;
    private long _misses;
    // Invariant: _usage == sum of Charge over _map; _usage <= _capacity after every public call.

    public BlockCacheShard(long capacity) => _capacity = capacity;

    public long Usage => Volatile.Read(ref _usage);

    public long Hits => Volatile.Read(ref _hits);

    public long Misses => Volatile.Read(ref _misses);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _map.Count;
            }
        }
    }

    public void SetCapacity(long capacity)
    {
        lock (_lock)
        {
            _capacity = capacity;
            EvictToCapacity();
        }
    }

    public bool TryGet(in BlockCacheKey key, out ReadOnlyMemory<byte> block)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out Node? node))
            {
                _hits++;
                if (node != _head)
                {
                    Unlink(node);
                    PushFront(node);
                }
                block = new ReadOnlyMemory<byte>(node.Array, 0, node.Length);
                return true;
            }
            _misses++;
            block = default;
            return false;
        }
    }

    /// <summary>Inserts (or replaces) a block; a block larger than the whole shard is not cached.</summary>
    public void Insert(in BlockCacheKey key, byte[] array, int length)
    {
        long charge = (long)array.Length + EntryOverhead;
        lock (_lock)
        {
            if (charge > _capacity)
            {
                return;
            }
            if (_map.Remove(key, out Node? old))
            {
                Unlink(old);
                _usage -= old.Charge;
            }
            var node = new Node(key, array, length, charge);
            _map.Add(key, node);
            PushFront(node);
            _usage += charge;
            EvictToCapacity();
        }
    }

    public bool Erase(in BlockCacheKey key)
    {
        lock (_lock)
        {
            if (!_map.Remove(key, out Node? node))
            {
                return false;
            }
            Unlink(node);
            _usage -= node.Charge;
            return true;
        }
    }

    private void EvictToCapacity()
    {
        while (_usage > _capacity && _tail != null)
        {
            Node victim = _tail;
            Unlink(victim);
            _map.Remove(victim.Key);
            _usage -= victim.Charge;
        }
    }

    private void Unlink(Node node)
    {
        if (node.Prev != null)
        {
            node.Prev.Next = node.Next;
        }
        else
        {
            _head = node.Next;
        }
        if (node.Next != null)
        {
            node.Next.Prev = node.Prev;
        }
        else
        {
            _tail = node.Prev;
        }
        node.Prev = null;
        node.Next = null;
    }

    private void PushFront(Node node)
    {
        node.Next = _head;
        if (_head != null)
        {
            _head.Prev = node;
        }
        _head = node;
        _tail ??= node;
    }

    private sealed class Node
    {
        public Node(BlockCacheKey key, byte[] array, int length, long charge)
        {
            Key = key;
            Array = array;
            Length = length;
            Charge = charge;
        }

        public BlockCacheKey Key { get; }

        public byte[] Array { get; }

        public int Length { get; }

        public long Charge { get; }

        public Node? Prev { get; set; }

        public Node? Next { get; set; }
    }
}
