namespace ManagedKv.Lsm.Table;

/// <summary>A cached block's identity: the owning table reader's cache id and the block's file offset.</summary>
internal readonly struct BlockCacheKey : IEquatable<BlockCacheKey>
{
    public BlockCacheKey(ulong readerId, ulong offset)
    {
        ReaderId = readerId;
        Offset = offset;
    }

    public ulong ReaderId { get; }

    public ulong Offset { get; }

    /// <summary>64-bit mix of both halves; the high bits pick the shard, the low bits feed the dictionary.</summary>
    public ulong Hash
    {
        get
        {
            ulong h = (ReaderId * 0x9E3779B97F4A7C15UL) ^ (Offset * 0xC2B2AE3D27D4EB4FUL);
            h ^= h >> 33;
            h *= 0xFF51AFD7ED558CCDUL;
            h ^= h >> 33;
            return h;
        }
    }

    public bool Equals(BlockCacheKey other) => ReaderId == other.ReaderId && Offset == other.Offset;

    public override bool Equals(object? obj) => obj is BlockCacheKey other && Equals(other);

    public override int GetHashCode() => (int)Hash;
}
