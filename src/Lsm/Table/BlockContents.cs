namespace ManagedKv.Lsm.Table;

/// <summary>
/// The uncompressed contents of one block as a table reader hands it out, and what keeps them valid: a block cache
/// reference (<see cref="CacheEntry"/>), a managed array (<see cref="Array"/>: a pinned index block, a caller's
/// scratch buffer), or a memory-mapped file that the reader keeps mapped while it is referenced (neither set).
/// The holder calls <see cref="Release"/> exactly once when done (and must not read the bytes afterwards); it is a
/// no-op for everything but cache references. A mutable struct: keep it in a field or local, never copy a held one.
/// </summary>
internal unsafe struct BlockContents
{
    /// <summary>Native contents when <see cref="Array"/> is null.</summary>
    public byte* Data;

    /// <summary>Managed contents: Array[Offset..Offset+Length).</summary>
    public byte[]? Array;

    public int Offset;

    public int Length;

    /// <summary>The block cache reference to drop on release, or null.</summary>
    public BlockCacheEntry? CacheEntry;

    /// <summary>For an index block: its restart key prefixes (<see cref="BlockIterator.SetRestartPrefixes"/>), or null.</summary>
    public ulong[]? RestartPrefixes;

    public readonly bool IsEmpty => Data == null && Array == null;

    public readonly ReadOnlySpan<byte> Span => Array != null ? new ReadOnlySpan<byte>(Array, Offset, Length) : new ReadOnlySpan<byte>(Data, Length);

    public static BlockContents FromNative(byte* data, int length, BlockCacheEntry? entry) =>
        new() { Data = data, Length = length, CacheEntry = entry };

    public static BlockContents FromArray(byte[] array, int offset, int length) =>
        new() { Array = array, Offset = offset, Length = length };

    public static BlockContents FromCache(BlockCacheEntry entry) =>
        new() { Data = entry.Data, Length = entry.Length, CacheEntry = entry };

    /// <summary>Points <paramref name="iterator"/> at these contents.</summary>
    public readonly void ResetIterator(BlockIterator iterator, bool internalKeys, string path, long blockOffset)
    {
        if (Array != null)
        {
            iterator.Reset(Array, Offset, Length, internalKeys, path, blockOffset);
        }
        else
        {
            iterator.Reset(Data, Length, internalKeys, path, blockOffset);
        }
        if (RestartPrefixes != null)
        {
            iterator.SetRestartPrefixes(RestartPrefixes);
        }
    }

    /// <summary>Drops the cache reference, if any, and empties the struct.</summary>
    public void Release()
    {
        BlockCacheEntry? entry = CacheEntry;
        this = default;
        if (entry != null)
        {
            BlockCache.Release(entry);
        }
    }
}
