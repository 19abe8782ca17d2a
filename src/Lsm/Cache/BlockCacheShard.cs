using System.Runtime.InteropServices;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// One LRU shard of <see cref="BlockCache"/>: a dictionary plus an intrusive doubly linked recency list of
/// <see cref="BlockCacheEntry"/>s whose blocks live in native memory, charged in bytes. A hit only marks its entry
/// (lazy promotion, CLOCK's second chance): eviction moves a marked tail entry to the front instead of evicting it.
/// Moving the entry on every hit touched three other entries' cache lines under the lock. Readers hold references on
/// entries; evicting a referenced entry only unlinks it (it stops being charged), and the last release frees its
/// memory. Entry objects are recycled through a free list, so a steady load allocates no managed memory.
/// Thread-safe: every member takes <see cref="_lock"/> except the counters, which are read without it (64-bit reads,
/// approximate while writers run). A finalizer frees the native blocks of a shard nobody can reach any more (no
/// reader can hold a reference then: an entry keeps its shard reachable).
/// </summary>
internal sealed unsafe class BlockCacheShard
{
    /// <summary>Bytes charged per entry on top of its block: the entry object and its dictionary slot.</summary>
    public const int EntryOverhead = 96;

    private readonly Lock _lock = new(); // guards every field below; leaf lock
    private readonly Dictionary<BlockCacheKey, BlockCacheEntry> _map = new();
    private readonly List<BlockCacheEntry> _all = new(); // every entry object ever created (for the finalizer)
    private BlockCacheEntry? _head;   // most recently used
    private BlockCacheEntry? _tail;   // least recently used: evicted first
    private BlockCacheEntry? _free;   // recycled entry objects, linked by Next
    private long _capacity;
    private long _usage;
    private long _detachedBytes;
    private long _hits;
    private long _misses;
    // Invariant: _usage == sum of Charge over _map (the InCache entries); _usage <= _capacity after every call;
    // _detachedBytes == sum of Charge over entries evicted or replaced while still referenced.

    public BlockCacheShard(long capacity) => _capacity = capacity;

    ~BlockCacheShard()
    {
        foreach (BlockCacheEntry e in _all)
        {
            if (e.Data != null)
            {
                NativeMemory.Free(e.Data);
                e.Data = null;
            }
        }
    }

    public long Usage => Volatile.Read(ref _usage);

    /// <summary>Bytes of blocks no longer cached but still referenced by readers (freed on their last release).</summary>
    public long DetachedBytes => Volatile.Read(ref _detachedBytes);

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

    /// <summary>The cached entry for <paramref name="key"/> with a new reference, or null.</summary>
    public BlockCacheEntry? Lookup(in BlockCacheKey key)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out BlockCacheEntry? e))
            {
                _hits++;
                e.Hit = true;
                e.Refs++;
                return e;
            }
            _misses++;
            return null;
        }
    }

    /// <summary>
    /// Takes ownership of <paramref name="data"/> (<paramref name="allocatedBytes"/> bytes from
    /// <see cref="BlockCache.AllocateBlock"/>, the first <paramref name="length"/> of them the block) and caches it,
    /// replacing an entry of the same key. Returns the entry with one reference for the caller. A block larger than
    /// the whole shard is not cached: its entry is returned detached and freed on release.
    /// </summary>
    public BlockCacheEntry Insert(in BlockCacheKey key, byte* data, int length, int allocatedBytes)
    {
        long charge = (long)allocatedBytes + EntryOverhead;
        lock (_lock)
        {
            BlockCacheEntry e = NewEntryLocked();
            e.Key = key;
            e.Data = data;
            e.Length = length;
            e.Charge = charge;
            e.Refs = 1;
            e.Hit = false;
            if (charge > _capacity)
            {
                e.InCache = false;
                _detachedBytes += charge;
                return e;
            }
            if (_map.Remove(key, out BlockCacheEntry? old))
            {
                Detach(old);
            }
            e.InCache = true;
            _map.Add(key, e);
            PushFront(e);
            _usage += charge;
            EvictToCapacity();
            return e;
        }
    }

    /// <summary>Drops a reference taken by <see cref="Lookup"/> or <see cref="Insert"/>.</summary>
    public void Release(BlockCacheEntry e)
    {
        lock (_lock)
        {
            if (e.Refs <= 0 || e.Data == null)
            {
                Util.ThrowHelper.ThrowInvalidOperation("block cache entry released more often than referenced");
            }
            e.Refs--;
            if (e.Refs == 0 && !e.InCache)
            {
                _detachedBytes -= e.Charge;
                FreeLocked(e);
            }
        }
    }

    public bool Erase(in BlockCacheKey key)
    {
        lock (_lock)
        {
            if (!_map.Remove(key, out BlockCacheEntry? e))
            {
                return false;
            }
            Detach(e);
            return true;
        }
    }

    /// <summary>Drops every unreferenced cached block; referenced ones stay until released.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            while (_tail != null)
            {
                BlockCacheEntry victim = _tail;
                _map.Remove(victim.Key);
                Detach(victim);
            }
        }
    }

    private void EvictToCapacity()
    {
        while (_usage > _capacity && _tail != null)
        {
            BlockCacheEntry victim = _tail;
            if (victim.Hit && victim != _head)
            {
                victim.Hit = false; // used since it was last moved: give it another round
                Unlink(victim);
                PushFront(victim);
                continue;
            }
            _map.Remove(victim.Key);
            Detach(victim);
        }
    }

    // REQUIRES: _lock held; e was just removed from _map.
    private void Detach(BlockCacheEntry e)
    {
        Unlink(e);
        e.InCache = false;
        _usage -= e.Charge;
        if (e.Refs == 0)
        {
            FreeLocked(e);
        }
        else
        {
            _detachedBytes += e.Charge;
        }
    }

    private BlockCacheEntry NewEntryLocked()
    {
        BlockCacheEntry? e = _free;
        if (e != null)
        {
            _free = e.Next;
            e.Next = null;
            return e;
        }
        e = new BlockCacheEntry(this);
        _all.Add(e);
        return e;
    }

    private void FreeLocked(BlockCacheEntry e)
    {
        NativeMemory.Free(e.Data);
        e.Data = null;
        e.Length = 0;
        e.Charge = 0;
        e.Key = default;
        e.Prev = null;
        e.Next = _free;
        _free = e;
    }

    private void Unlink(BlockCacheEntry node)
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

    private void PushFront(BlockCacheEntry node)
    {
        node.Next = _head;
        if (_head != null)
        {
            _head.Prev = node;
        }
        _head = node;
        _tail ??= node;
    }
}
