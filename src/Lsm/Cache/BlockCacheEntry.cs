namespace ManagedKv.Lsm.Table;

/// <summary>
/// One block of <see cref="BlockCache"/> and the handle readers hold on it (RocksDB's cache handle): the block's
/// bytes live in native memory owned by the entry. A lookup or insert returns the entry with a reference the caller
/// drops with <see cref="BlockCache.Release"/>; until then the bytes stay valid even if the cache evicts the entry
/// meanwhile (the last release frees them). Entry objects are recycled by their shard, so a handle must not be used
/// after its release.
/// Threads: every field is guarded by the owning shard's lock, except <see cref="Data"/> and <see cref="Length"/>,
/// which do not change while a reference is held and may be read without it.
/// </summary>
internal sealed unsafe class BlockCacheEntry
{
    public BlockCacheEntry(BlockCacheShard shard) => Shard = shard;

    /// <summary>The shard that owns (and recycles) this entry.</summary>
    public BlockCacheShard Shard { get; }

    public BlockCacheKey Key;

    /// <summary>The block's bytes (native memory from <see cref="BlockCache.AllocateBlock"/>); null while the entry is free.</summary>
    public byte* Data;

    /// <summary>Bytes of the block's contents, from <see cref="Data"/>.</summary>
    public int Length;

    /// <summary>What the entry counts against the capacity: its allocation plus <see cref="BlockCacheShard.EntryOverhead"/>.</summary>
    public long Charge;

    /// <summary>References held by readers (the cache's own membership is <see cref="InCache"/>, not a reference).</summary>
    public int Refs;

    /// <summary>Looked up since it was last inserted or moved to the front of the recency list (second chance).</summary>
    public bool Hit;

    /// <summary>In the shard's map and recency list. Invariant: Data != null iff InCache || Refs &gt; 0.</summary>
    public bool InCache;

    /// <summary>Recency list links while cached (Prev = more recently used); Next links the free list while free.</summary>
    public BlockCacheEntry? Prev;

    public BlockCacheEntry? Next;

    /// <summary>The block's contents. REQUIRES: the caller holds a reference.</summary>
    public ReadOnlySpan<byte> Span => new(Data, Length);
}
