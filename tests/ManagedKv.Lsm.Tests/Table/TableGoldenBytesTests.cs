using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Tests.IO;

namespace ManagedKv.Lsm.Tests.Table;

/// <summary>
/// Pins the SST format (FORMAT.md, "SST"): a tiny table must encode to exactly these bytes. A failure here means the
/// on-disk format changed: bump TableFormat.FormatVersion, document it, and keep reading the old version.
/// </summary>
public sealed class TableGoldenBytesTests
{
    // 952 bytes: data block [0, 65), filter [65, 139), index [139, 166), properties [166, 818),
    // metaindex [818, 896), footer [896, 952). Byte-by-byte walk-through in FORMAT.md, "Example".
    private const string Golden =
        "000d036170706c6501020000000000007265640508000001000000000000020d067269636f7401030000000000006f72616e6765000000000100000000f008bc" +
        "ff000000000000000000000000001000010020000000000010000100000000000000000000040000000020000010000000000000400000000010000101000000" +
        "00060100000000d137abd4000902620fffffffffffffff003c000000000100000000c353e98e00150f6d616e616765646b762e6c6172676573742e6b65796170" +
        "7269636f7401030000000000000017016d616e616765646b762e6c6172676573742e7365716e6f0300160d6d616e616765646b762e736d616c6c6573742e6b65" +
        "796170706c6501020000000000000018016d616e616765646b762e736d616c6c6573742e7365716e6f01001801726f636b7364622e636f6c756d6e2e66616d69" +
        "6c792e696400001a07726f636b7364622e636f6c756d6e2e66616d696c792e6e616d6564656661756c7400121a726f636b7364622e636f6d70617261746f726c" +
        "6576656c64622e4279746577697365436f6d70617261746f7200130d726f636b7364622e636f6d7072657373696f6e4e6f436f6d7072657373696f6e00150572" +
        "6f636b7364622e6372656174696f6e2e74696d6580e2cfaa06001101726f636b7364622e646174612e73697a6541001401726f636b7364622e64656c65746564" +
        "2e6b65797301001514726f636b7364622e66696c7465722e706f6c6963796d616e616765646b762e4c6f63616c426c6f6f6d001301726f636b7364622e66696c" +
        "7465722e73697a654a001601726f636b7364622e666f726d61742e76657273696f6e01001201726f636b7364622e696e6465782e73697a651b001701726f636b" +
        "7364622e6e756d2e646174612e626c6f636b7301001301726f636b7364622e6e756d2e656e747269657303001401726f636b7364622e7261772e6b65792e7369" +
        "7a6529001601726f636b7364622e7261772e76616c75652e73697a65090000000027000000420000006800000084000000a0000000c4000000f3000000160100" +
        "003301000048010000600100008c010000a3010000bd010000d3010000ee010000050200001d0200001300000000c28047c2001f0266756c6c66696c7465722e" +
        "6d616e616765646b762e4c6f63616c426c6f6f6d4145001204726f636b7364622e70726f70657274696573a60187050000000024000000020000000057417875" +
        "b206498b01160000000000000000000000000000000000000000000000000000000000000000000001000000f1023ab74d4b765353540001";

    private static byte[] BuildTinyTable(string path)
    {
        var options = new TableBuilderOptions { CreationTime = 1_700_000_000, ColumnFamilyName = "default", ColumnFamilyId = 0 };
        using (var builder = new TableBuilder(path, options))
        {
            builder.Add(InternalKey.Create("apple"u8, 2, Keys.ValueType.Value), "red"u8);
            builder.Add(InternalKey.Create("apple"u8, 1, Keys.ValueType.Deletion), ""u8);
            builder.Add(InternalKey.Create("apricot"u8, 3, Keys.ValueType.Value), "orange"u8);
            builder.Finish(sync: false);
        }
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void TinyTableEncodesToPinnedBytes()
    {
        using var dir = new TempDirectory();
        byte[] bytes = BuildTinyTable(dir.File("tiny.sst"));
        Assert.Equal(Golden, Convert.ToHexString(bytes).ToLowerInvariant());
    }

    [Fact]
    public void PinnedBytesReadBack()
    {
        using var dir = new TempDirectory();
        string path = dir.File("golden.sst");
        File.WriteAllBytes(path, Convert.FromHexString(Golden));
        TableReader reader = TableTestUtil.Open(path, new TableReaderOptions());
        var sink = new System.Buffers.ArrayBufferWriter<byte>();
        Assert.Equal(LookupResult.Found, reader.Get("apple"u8, 5, sink));
        Assert.Equal("red"u8.ToArray(), sink.WrittenSpan.ToArray());
        Assert.Equal(LookupResult.Deleted, reader.Get("apple"u8, 1, null));
        Assert.Equal(LookupResult.NotFound, reader.Get("apple"u8, 0, null));
        Assert.Equal(LookupResult.NotFound, reader.Get("banana"u8, 5, null));
        Assert.Equal(3UL, reader.Properties.NumEntries);
        Assert.Equal(1UL, reader.Properties.NumDeletions);
        Assert.Equal(1_700_000_000, reader.Properties.CreationTime);
        reader.Unref();
    }
}
