using System.Buffers.Binary;

namespace ManagedKv.Perf;

/// <summary>
/// TiKV's key layout for Raft logs in a KV engine (before raft-engine), shared by the RocksDB and LSM log stores:
/// entry key <c>0x01 0x02 region(8, BE) 0x01 index(8, BE)</c> (19 bytes), state key <c>0x01 0x02 region 0x02</c> (11 bytes).
/// </summary>
internal static class RaftLogKeys
{
    public const int EntryKeyLength = 19;
    public const int StateKeyLength = 11;

    public static void EntryKey(Span<byte> key, ulong region, ulong index)
    {
        key[0] = 0x01;
        key[1] = 0x02;
        BinaryPrimitives.WriteUInt64BigEndian(key[2..], region);
        key[10] = 0x01;
        BinaryPrimitives.WriteUInt64BigEndian(key[11..], index);
    }

    /// <summary>Turns an entry key buffer into the region's state key (its first 11 bytes).</summary>
    public static Span<byte> StateKey(Span<byte> entryKeyBuffer)
    {
        Span<byte> stateKey = entryKeyBuffer[..StateKeyLength];
        stateKey[10] = 0x02;
        return stateKey;
    }
}
