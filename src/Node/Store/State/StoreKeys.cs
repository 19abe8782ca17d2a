using System.Buffers.Binary;

namespace ManagedKv.Node.Store;

/// <summary>
/// Keys of the per-region records in the KV engine's <c>raft</c> column family (src/Node/FORMAT.md, "Keys"):
/// <c>01 02 region_id(8, BE) 03</c> for <see cref="RaftApplyState"/>, <c>01 03 region_id(8, BE) 01</c> for
/// <see cref="RegionLocalState"/> — TiKV's local key layout, so all regions' meta keys sort by region id and one scan
/// of <c>[01 03, 01 04)</c> lists every region on the store. Stateless and thread-safe.
/// </summary>
public static class StoreKeys
{
    /// <summary>Writes the apply-state key of <paramref name="regionId"/> into <paramref name="destination"/> (11 bytes).</summary>
    public static void ApplyStateKey(ulong regionId, Span<byte> destination) =>
        RegionKey(StateFormat.RegionRaftPrefix, regionId, StateFormat.ApplyStateSuffix, destination);

    /// <summary>Writes the region-state key of <paramref name="regionId"/> into <paramref name="destination"/> (11 bytes).</summary>
    public static void RegionStateKey(ulong regionId, Span<byte> destination) =>
        RegionKey(StateFormat.RegionMetaPrefix, regionId, StateFormat.RegionStateSuffix, destination);

    /// <summary>The first key of the region-state key range (every region's meta sorts in [MinRegionStateKey, MaxRegionStateKey)).</summary>
    public static byte[] MinRegionStateKey => [StateFormat.LocalPrefix, StateFormat.RegionMetaPrefix];

    /// <summary>The end (exclusive) of the region-state key range.</summary>
    public static byte[] MaxRegionStateKey => [StateFormat.LocalPrefix, StateFormat.RegionMetaPrefix + 1];

    /// <summary>Whether <paramref name="key"/> is a region-state key; if so, its region id.</summary>
    public static bool TryParseRegionStateKey(ReadOnlySpan<byte> key, out ulong regionId)
    {
        regionId = 0;
        if (key.Length != StateFormat.RegionKeyLength || key[0] != StateFormat.LocalPrefix
            || key[1] != StateFormat.RegionMetaPrefix || key[10] != StateFormat.RegionStateSuffix)
        {
            return false;
        }

        regionId = BinaryPrimitives.ReadUInt64BigEndian(key.Slice(2, 8));
        return true;
    }

    private static void RegionKey(byte prefix, ulong regionId, byte suffix, Span<byte> destination)
    {
        destination[0] = StateFormat.LocalPrefix;
        destination[1] = prefix;
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(2, 8), regionId);
        destination[10] = suffix;
    }
}
