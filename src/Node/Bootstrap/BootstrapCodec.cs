using Google.Protobuf;
using ManagedKv.Lsm.Util;
using ManagedKv.Node.Store;
using Metapb;

namespace ManagedKv.Node.Bootstrap;

/// <summary>
/// Encodes and decodes the store-level bootstrap records (src/Node/FORMAT.md, "Store identity and bootstrap records"):
/// <c>version(1) | cluster_id varint | store_id varint</c> for <see cref="StoreIdent"/>, and
/// <c>version(1) | metapb.Region</c> for the prepared first region. Stateless and thread-safe.
/// </summary>
internal static class BootstrapCodec
{
    public static int EncodeStoreIdent(StoreIdent ident, Span<byte> destination)
    {
        destination[0] = BootstrapFormat.Version;
        int n = 1;
        n += Coding.WriteVarint64(destination[n..], ident.ClusterId);
        n += Coding.WriteVarint64(destination[n..], ident.StoreId);
        return n;
    }

    /// <exception cref="StoreCorruptionException">The value is malformed (region id 0 names the store-level record).</exception>
    public static StoreIdent DecodeStoreIdent(ReadOnlySpan<byte> value)
    {
        const string Record = "StoreIdent";
        if (value.Length < 1)
        {
            throw new StoreCorruptionException(0, Record, 0, "empty value");
        }

        if (value[0] != BootstrapFormat.Version)
        {
            throw new StoreCorruptionException(0, Record, 0, $"unknown format version {value[0]}");
        }

        int offset = 1;
        int n = Coding.TryReadVarint64(value[offset..], out ulong clusterId);
        if (n <= 0)
        {
            throw new StoreCorruptionException(0, Record, offset, "bad cluster id varint");
        }

        offset += n;
        n = Coding.TryReadVarint64(value[offset..], out ulong storeId);
        if (n <= 0)
        {
            throw new StoreCorruptionException(0, Record, offset, "bad store id varint");
        }

        offset += n;
        if (offset != value.Length)
        {
            throw new StoreCorruptionException(0, Record, offset, $"{value.Length - offset} trailing bytes");
        }

        if (clusterId == 0 || storeId == 0)
        {
            throw new StoreCorruptionException(0, Record, 1, $"invalid ident: cluster {clusterId}, store {storeId}");
        }

        return new StoreIdent(clusterId, storeId);
    }

    public static byte[] EncodePreparedRegion(Region region)
    {
        byte[] value = new byte[1 + region.CalculateSize()];
        value[0] = BootstrapFormat.Version;
        region.WriteTo(value.AsSpan(1));
        return value;
    }

    /// <exception cref="StoreCorruptionException">The value is malformed.</exception>
    public static Region DecodePreparedRegion(ReadOnlySpan<byte> value)
    {
        const string Record = "PrepareBootstrap";
        if (value.Length < 1 || value[0] != BootstrapFormat.Version)
        {
            throw new StoreCorruptionException(0, Record, 0, value.Length < 1 ? "empty value" : $"unknown format version {value[0]}");
        }

        Region region;
        try
        {
            region = Region.Parser.ParseFrom(value[1..]);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new StoreCorruptionException(0, Record, 1, "metapb.Region does not parse: " + e.Message);
        }

        if (region.Id == 0 || region.Peers.Count != 1)
        {
            throw new StoreCorruptionException(0, Record, 1, $"not a first region: id {region.Id}, {region.Peers.Count} peers");
        }

        return region;
    }
}
