using ManagedKv.Lsm.Table;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ManagedKv.Lsm;

/// <summary>
/// A sharded LRU cache of uncompressed SST blocks, charged in bytes (block size plus a fixed per-entry overhead)
/// and bounded by <see cref="Capacity"/>. One instance may be shared by every column family and DB instance of the
/// process: each table reader takes a unique id from the cache, so entries never collide. Thread-safe; a lookup
/// locks one shard and allocates nothing.
/// Blocks live in native memory, not in managed arrays: cached blocks outlive gen0 and used to be promoted and then
/// die in gen2 (a 1M-key readrandom run spent 1.6 s of 10 s in GC pauses, with 2.4x RocksDB's peak RSS). Readers
/// hold a reference (a <see cref="BlockCacheEntry"/> handle, as RocksDB's cache handles) while they read a block, so
/// a block evicted meanwhile stays valid for them (it is then no longer charged) and is freed by the last release.
/// The cache also bounds the memory-mapped SST pages that reads keep in the process (<see cref="MappedLimit"/>): a
/// table read through a mapping uses a 2 MiB stretch of it in place only once the stretch is charged here; past the
/// limit its blocks are read with pread into the cache instead (RocksDB's path).
/// </summary>
public sealed class BlockCache
{
    /// <summary>RocksDB's rule: shards of at least 512 KiB, at most 64 shards.</summary>
    private const long MinShardBytes = 512 * 1024;
    private const int MaxDefaultShardBits = 6;

    private readonly BlockCacheShard[] _shards;
    private readonly int _shardShift;
    private long _capacity;
    private long _nextId;
    // Mapped-page budget (MappedLimit). _mappedLock guards the limit, the usage and the borrowed bytes for writers;
    // readers read them without it. The generation is a wake-up counter for refused stretches; never Charged's value.
    private readonly Lock _mappedLock = new();
    private long _mappedLimit;
    private long _mappedUsage;
    private long _mappedBorrowed;
    private int _mappedGeneration = 1;

    /// <summary>Creates a cache of <paramref name="capacityBytes"/> bytes.</summary>
    /// <param name="capacityBytes">Capacity in bytes, at least 0 (0 caches nothing).</param>
    /// <param name="numShardBits">log2 of the shard count, 0..16; -1 (default) picks shards of at least 512 KiB, at most 64.</param>
    public BlockCache(long capacityBytes, int numShardBits = -1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        if (numShardBits < -1 || numShardBits > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(numShardBits), numShardBits, "must be -1 (automatic) or 0..16");
        }
        if (numShardBits == -1)
        {
            long shards = capacityBytes / MinShardBytes;
            numShardBits = shards <= 1 ? 0 : Math.Min(MaxDefaultShardBits, BitOperations.Log2((ulong)shards));
        }
        _capacity = capacityBytes;
        _mappedLimit = capacityBytes;
        _shards = new BlockCacheShard[1 << numShardBits];
        _shardShift = 64 - numShardBits;
        long perShard = PerShard(capacityBytes, _shards.Length);
        for (int i = 0; i < _shards.Length; i++)
        {
            _shards[i] = new BlockCacheShard(perShard);
        }
    }

    /// <summary>Capacity in bytes.</summary>
    public long Capacity => Volatile.Read(ref _capacity);

    /// <summary>Bytes charged by the blocks currently cached.</summary>
    public long Usage
    {
        get
        {
            long sum = 0;
            foreach (BlockCacheShard shard in _shards)
            {
                sum += shard.Usage;
            }
            return sum;
        }
    }

    /// <summary>Lookups that found their block.</summary>
    public long HitCount
    {
        get
        {
            long sum = 0;
            foreach (BlockCacheShard shard in _shards)
            {
                sum += shard.Hits;
            }
            return sum;
        }
    }

    /// <summary>Lookups that did not find their block.</summary>
    public long MissCount
    {
        get
        {
            long sum = 0;
            foreach (BlockCacheShard shard in _shards)
            {
                sum += shard.Misses;
            }
            return sum;
        }
    }

    /// <summary>Number of cached blocks.</summary>
    public int Count
    {
        get
        {
            int sum = 0;
            foreach (BlockCacheShard shard in _shards)
            {
                sum += shard.Count;
            }
            return sum;
        }
    }

    /// <summary>
    /// Bytes of memory-mapped SST pages that reads may keep in the process (their RSS), beside <see cref="Capacity"/>;
    /// -1 = unbounded. Default: the capacity given to the constructor. With a mapping, a random read maps the whole
    /// page-cache folio it touches (up to 2 MiB on Linux 6.x), so without a bound the RSS of a read-heavy process
    /// grows to the size of the tables it reads. Tables are charged in 2 MiB stretches (smaller at a table's end) as
    /// reads first use them in place; a stretch that does not fit is read with pread into this cache instead, and is
    /// tried again once some mapped stretch was released (its table closed) or the limits changed.
    /// Mapped stretches may also borrow the cache's free room, up to three quarters of <see cref="Capacity"/>: the
    /// cache then holds that much less (reading in place is cheaper than a cached copy), so mapped stretches plus
    /// cached blocks stay within <see cref="Capacity"/> + MappedLimit. Charged stretches are never unmapped: lowering
    /// a limit only stops new ones. Shared by every DB using this cache.
    /// </summary>
    public long MappedLimit
    {
        get => Volatile.Read(ref _mappedLimit);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, -1);
            lock (_mappedLock)
            {
                _mappedLimit = value;
                RebalanceLocked(wake: true);
            }
        }
    }

    /// <summary>Bytes of mapped SST stretches charged under <see cref="MappedLimit"/> (the pages reads may have mapped).</summary>
    public long MappedUsage => Interlocked.Read(ref _mappedUsage);

    /// <summary>Bytes of <see cref="Capacity"/> lent to mapped stretches: the cache holds at most Capacity minus this.</summary>
    public long MappedBorrowed => Volatile.Read(ref _mappedBorrowed);

    /// <summary>Changes whenever charged mapped bytes are released or the limits change: refused stretches retry then.</summary>
    internal int MappedGeneration => Volatile.Read(ref _mappedGeneration);

    /// <summary>
    /// Charges <paramref name="bytes"/> of mapped stretch if they fit under <see cref="MappedLimit"/>, or beyond it in
    /// room the cache does not use (at most three quarters of its capacity).
    /// </summary>
    internal bool TryChargeMapped(long bytes)
    {
        lock (_mappedLock)
        {
            long used = _mappedUsage + bytes;
            if (_mappedLimit >= 0 && used > _mappedLimit)
            {
                long borrow = used - _mappedLimit;
                long extra = borrow - _mappedBorrowed;
                long free = _capacity - _mappedBorrowed - Usage;
                if (borrow > _capacity / 4 * 3 || extra > free)
                {
                    return false;
                }
            }
            Interlocked.Exchange(ref _mappedUsage, used);
            RebalanceLocked(wake: false);
            return true;
        }
    }

    /// <summary>Returns mapped bytes charged with <see cref="TryChargeMapped"/> (their table is closing).</summary>
    internal void ReleaseMapped(long bytes)
    {
        if (bytes == 0)
        {
            return;
        }
        lock (_mappedLock)
        {
            Interlocked.Exchange(ref _mappedUsage, _mappedUsage - bytes);
            RebalanceLocked(wake: true);
        }
    }

    // Lends the cache's capacity beyond the mapped limit to the mapped stretches; wakes refused stretches when room
    // may have appeared.
    private void RebalanceLocked(bool wake)
    {
        long borrowed = _mappedLimit < 0 ? 0 : Math.Max(0, _mappedUsage - _mappedLimit);
        if (borrowed != _mappedBorrowed)
        {
            Volatile.Write(ref _mappedBorrowed, borrowed);
            ResizeShards(_capacity - borrowed);
        }
        if (wake)
        {
            int next = _mappedGeneration + 1;
            Volatile.Write(ref _mappedGeneration, next == int.MinValue ? next + 1 : next);
        }
    }

    private void ResizeShards(long capacityBytes)
    {
        long perShard = PerShard(Math.Max(0, capacityBytes), _shards.Length);
        foreach (BlockCacheShard shard in _shards)
        {
            shard.SetCapacity(perShard);
        }
    }

    /// <summary>Number of shards (a power of two).</summary>
    public int ShardCount => _shards.Length;

    /// <summary>Changes the capacity, evicting least recently used blocks as needed.</summary>
    public void SetCapacity(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        lock (_mappedLock)
        {
            Volatile.Write(ref _capacity, capacityBytes);
            ResizeShards(capacityBytes - _mappedBorrowed);
            RebalanceLocked(wake: true);
        }
    }

    /// <summary>A process-unique id for one table reader's blocks (RocksDB's cache key prefix).</summary>
    internal ulong NewId() => (ulong)Interlocked.Increment(ref _nextId);

    /// <summary>Bytes of blocks evicted while readers still use them (not charged; freed when released).</summary>
    internal long DetachedUsage
    {
        get
        {
            long sum = 0;
            foreach (BlockCacheShard shard in _shards)
            {
                sum += shard.DetachedBytes;
            }
            return sum;
        }
    }

    /// <summary>Native memory for a block that will be passed to <see cref="Insert"/> (or freed with <see cref="FreeBlock"/>).</summary>
    internal static unsafe byte* AllocateBlock(int bytes) => (byte*)NativeMemory.Alloc((nuint)Math.Max(bytes, 1));

    /// <summary>Frees a block from <see cref="AllocateBlock"/> that was not inserted.</summary>
    internal static unsafe void FreeBlock(byte* block) => NativeMemory.Free(block);

    /// <summary>The cached block with a reference the caller drops with <see cref="Release"/>, or null.</summary>
    internal BlockCacheEntry? Lookup(ulong readerId, ulong offset)
    {
        var key = new BlockCacheKey(readerId, offset);
        return ShardOf(key).Lookup(key);
    }

    /// <summary>
    /// Caches a block, taking ownership of <paramref name="data"/> (<paramref name="allocatedBytes"/> bytes from
    /// <see cref="AllocateBlock"/>, the block is its first <paramref name="length"/>; it must never change afterwards).
    /// Returns its entry with a reference the caller drops with <see cref="Release"/>.
    /// </summary>
    internal unsafe BlockCacheEntry Insert(ulong readerId, ulong offset, byte* data, int length, int allocatedBytes)
    {
        var key = new BlockCacheKey(readerId, offset);
        return ShardOf(key).Insert(key, data, length, allocatedBytes);
    }

    /// <summary>Caches a copy of <paramref name="block"/> (tests and benchmarks).</summary>
    internal unsafe void InsertCopy(ulong readerId, ulong offset, ReadOnlySpan<byte> block)
    {
        byte* data = AllocateBlock(block.Length);
        block.CopyTo(new Span<byte>(data, block.Length));
        Release(Insert(readerId, offset, data, block.Length, block.Length));
    }

    /// <summary>Drops a reference from <see cref="Lookup"/> or <see cref="Insert"/>; the handle must not be used afterwards.</summary>
    internal static void Release(BlockCacheEntry entry) => entry.Shard.Release(entry);

    internal bool Erase(ulong readerId, ulong offset)
    {
        var key = new BlockCacheKey(readerId, offset);
        return ShardOf(key).Erase(key);
    }

    /// <summary>Drops every cached block no reader holds (those go when released).</summary>
    internal void Clear()
    {
        foreach (BlockCacheShard shard in _shards)
        {
            shard.Clear();
        }
    }

    private BlockCacheShard ShardOf(in BlockCacheKey key) =>
        _shards.Length == 1 ? _shards[0] : _shards[(int)(key.Hash >> _shardShift)];

    private static long PerShard(long capacity, int shards) => (capacity + shards - 1) / shards;
}
