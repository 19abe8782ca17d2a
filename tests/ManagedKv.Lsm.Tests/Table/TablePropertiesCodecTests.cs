using System.Text;
using ManagedKv.Lsm.Table;

namespace ManagedKv.Lsm.Tests.Table;

public sealed class TablePropertiesCodecTests
{
    [Fact]
    public void UserCollectedPropertiesTravelBesideTheBuiltIns()
    {
        var properties = new TableProperties
        {
            NumEntries = 12,
            ColumnFamilyName = "write",
            CompressionName = "LZ4",
            SmallestKey = [1, 2, 3],
            UserCollectedProperties = new Dictionary<string, byte[]>
            {
                ["tikv.mvcc.num_rows"] = [7],
                ["tikv.range_index"] = [1, 2, 3, 4],
                ["a.first"] = [],
            },
        };
        TableProperties decoded = TablePropertiesCodec.Decode(TablePropertiesCodec.Encode(properties), "p.sst", 100);
        Assert.Equal(12UL, decoded.NumEntries);
        Assert.Equal("write", decoded.ColumnFamilyName);
        Assert.Equal("LZ4", decoded.CompressionName);
        Assert.Equal(new byte[] { 1, 2, 3 }, decoded.SmallestKey);
        Assert.Equal(3, decoded.UserCollectedProperties.Count);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, decoded.UserCollectedProperties["tikv.range_index"]);
        Assert.Empty(decoded.UserCollectedProperties["a.first"]);
    }

    [Fact]
    public void ReservedPrefixesAreRefusedForUserProperties()
    {
        var properties = new TableProperties { UserCollectedProperties = new Dictionary<string, byte[]> { ["rocksdb.mine"] = [1] } };
        Assert.Throws<ArgumentException>(() => TablePropertiesCodec.Encode(properties));
    }

    [Fact]
    public void UnknownBuiltInPropertiesFromLaterVersionsAreIgnored()
    {
        var block = new BlockBuilder(1);
        block.Add(Encoding.UTF8.GetBytes("managedkv.future.thing"), [9]);
        block.Add(Encoding.UTF8.GetBytes("rocksdb.num.entries"), [5]);
        block.Add(Encoding.UTF8.GetBytes("user.prop"), [8]);
        TableProperties decoded = TablePropertiesCodec.Decode(block.Finish().ToArray(), "p.sst", 0);
        Assert.Equal(5UL, decoded.NumEntries);
        Assert.Single(decoded.UserCollectedProperties);
    }

    [Fact]
    public void MalformedNumberIsCorruption()
    {
        var block = new BlockBuilder(1);
        block.Add(Encoding.UTF8.GetBytes("rocksdb.num.entries"), [0x80]); // a varint that never ends
        var e = Assert.Throws<CorruptionException>(() => TablePropertiesCodec.Decode(block.Finish().ToArray(), "p.sst", 321));
        Assert.Equal(321, e.Offset);
    }
}
