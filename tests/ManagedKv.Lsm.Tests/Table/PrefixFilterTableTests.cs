using System.Text;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Tests.Filter;
using ManagedKv.Lsm.Tests.IO;

namespace ManagedKv.Lsm.Tests.Table;

/// <summary>Prefix entries in the SST filter (FORMAT.md, "Filter" and "Properties").</summary>
public sealed class PrefixFilterTableTests
{
    // A prefix-only table (FixedPrefix.2, whole-key filtering off) holding "aa1", "aa2", "bb1": the filter holds the
    // hashes of "aa" and "bb", the properties add rocksdb.prefix.extractor.name and managedkv.whole.key.filtering = 0.
    private const string Golden =
        "000b0161613101010000000000007602090132010200000000000076000b01626231010300000000000076000000000100000000621d8f0b000000012000200a" +
        "020000010000000000200000000000000000000040000000400000000020000000000000000000000000000000000000000000002000000006010000000030a2" +
        "6d15000102630033000000000100000000c8b1464d00150b6d616e616765646b762e6c6172676573742e6b657962623101030000000000000017016d616e6167" +
        "65646b762e6c6172676573742e7365716e6f0300160b6d616e616765646b762e736d616c6c6573742e6b657961613101010000000000000018016d616e616765" +
        "646b762e736d616c6c6573742e7365716e6f01001d016d616e616765646b762e77686f6c652e6b65792e66696c746572696e6700001801726f636b7364622e63" +
        "6f6c756d6e2e66616d696c792e696400001a07726f636b7364622e636f6c756d6e2e66616d696c792e6e616d6564656661756c7400121a726f636b7364622e63" +
        "6f6d70617261746f726c6576656c64622e4279746577697365436f6d70617261746f7200130d726f636b7364622e636f6d7072657373696f6e4e6f436f6d7072" +
        "657373696f6e001505726f636b7364622e6372656174696f6e2e74696d6580e2cfaa06001101726f636b7364622e646174612e73697a6538001401726f636b73" +
        "64622e64656c657465642e6b65797300001514726f636b7364622e66696c7465722e706f6c6963796d616e616765646b762e4c6f63616c426c6f6f6d00130172" +
        "6f636b7364622e66696c7465722e73697a654a001601726f636b7364622e666f726d61742e76657273696f6e02001201726f636b7364622e696e6465782e7369" +
        "7a6513001701726f636b7364622e6e756d2e646174612e626c6f636b7301001301726f636b7364622e6e756d2e656e747269657303001d15726f636b7364622e" +
        "7072656669782e657874726163746f722e6e616d65726f636b7364622e46697865645072656669782e32001401726f636b7364622e7261772e6b65792e73697a" +
        "6521001601726f636b7364622e7261772e76616c75652e73697a650300000000230000003e000000620000007e0000009f000000bb000000df0000000e010000" +
        "310100004e010000630100007b010000a7010000be010000d8010000ee0100000902000020020000550200006d02000015000000009f2dae2d001f0266756c6c" +
        "66696c7465722e6d616e616765646b762e4c6f63616c426c6f6f6d3845001204726f636b7364622e70726f706572746965739501df0500000000240000000200" +
        "000000e999a0fdf9064982010e00000000000000000000000000000000000000000000000000000000000000000000020000008e3f84434d4b765353540001";

    private static string BuildPrefixTable(string path, ISliceTransform extractor, bool wholeKey, IEnumerable<string> keys)
    {
        var options = new TableBuilderOptions { PrefixExtractor = extractor, WholeKeyFiltering = wholeKey, CreationTime = 1_700_000_000 };
        using var builder = new TableBuilder(path, options);
        ulong seq = 1;
        foreach (string k in keys)
        {
            builder.Add(InternalKey.Create(Encoding.UTF8.GetBytes(k), seq++, Keys.ValueType.Value), "v"u8);
        }
        builder.Finish(sync: false);
        return path;
    }

    [Fact]
    public void PrefixOnlyTableEncodesToPinnedBytes()
    {
        using var dir = new TempDirectory();
        string path = BuildPrefixTable(dir.File("p.sst"), SliceTransform.Fixed(2), wholeKey: false, ["aa1", "aa2", "bb1"]);
        Assert.Equal(Golden, Convert.ToHexString(File.ReadAllBytes(path)).ToLowerInvariant());
    }

    [Fact]
    public void PropertiesRecordExtractorAndWholeKeyFlagOnlyWhenNotDefault()
    {
        using var dir = new TempDirectory();
        string p1 = BuildPrefixTable(dir.File("1.sst"), SliceTransform.Fixed(2), wholeKey: false, ["aa1", "bb1"]);
        string p2 = BuildPrefixTable(dir.File("2.sst"), SliceTransform.Fixed(2), wholeKey: true, ["aa1", "bb1"]);
        TableReader r1 = TableTestUtil.Open(p1, new TableReaderOptions());
        TableReader r2 = TableTestUtil.Open(p2, new TableReaderOptions());
        Assert.Equal("rocksdb.FixedPrefix.2", r1.Properties.PrefixExtractorName);
        Assert.False(r1.Properties.WholeKeyFiltering);
        Assert.Equal("rocksdb.FixedPrefix.2", r2.Properties.PrefixExtractorName);
        Assert.True(r2.Properties.WholeKeyFiltering);
        r1.Unref();
        r2.Unref();

        var plain = new TableProperties();
        TableProperties decoded = TablePropertiesCodec.Decode(TablePropertiesCodec.Encode(plain), "x", 0);
        Assert.Equal("", decoded.PrefixExtractorName);
        Assert.True(decoded.WholeKeyFiltering);
        Assert.DoesNotContain("prefix.extractor", Encoding.UTF8.GetString(TablePropertiesCodec.Encode(plain)));
    }

    [Fact]
    public void PrefixFilterHasNoFalseNegativesAndFewFalsePositives()
    {
        using var dir = new TempDirectory();
        var ts = new TimestampSuffixTransform();
        var keys = new List<byte[]>();
        for (int u = 0; u < 2000; u++)
        {
            for (ulong t = 1; t <= 3; t++)
            {
                keys.Add(TimestampSuffixTransform.Key(Encoding.UTF8.GetBytes($"user{u * 2:D6}"), 100 - t));
            }
        }
        keys.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        string path = dir.File("ts.sst");
        using (var builder = new TableBuilder(path, new TableBuilderOptions { PrefixExtractor = ts, WholeKeyFiltering = false }))
        {
            ulong seq = 1;
            foreach (byte[] k in keys)
            {
                builder.Add(InternalKey.Create(k, seq++, Keys.ValueType.Value), "v"u8);
            }
            builder.Finish(sync: false);
        }
        TableReader reader = TableTestUtil.Open(path, new TableReaderOptions());
        var stats = new LsmStatistics();
        for (int u = 0; u < 2000; u++)
        {
            byte[] present = Encoding.UTF8.GetBytes($"user{u * 2:D6}");
            Assert.True(reader.PrefixMayMatch(BloomFilterBuilder.Hash(present), ts.Name, stats));
            // A point lookup of another timestamp of a present user key passes the filter and reads the block.
            Assert.Equal(LookupResult.Found, reader.Get(TimestampSuffixTransform.Key(present, 98), ulong.MaxValue >> 8, null, true, ts, stats));
        }
        Assert.Equal(0, stats.Get(Ticker.BloomFilterPrefixUseful));
        Assert.Equal(4000, stats.Get(Ticker.BloomFilterPrefixChecked));
        Assert.Equal(2000, stats.Get(Ticker.BloomFilterFullTruePositive));

        int falsePositives = 0;
        for (int u = 0; u < 2000; u++)
        {
            byte[] absent = Encoding.UTF8.GetBytes($"user{u * 2 + 1:D6}");
            if (reader.Get(TimestampSuffixTransform.Key(absent, 98), ulong.MaxValue >> 8, null, true, ts, stats) != LookupResult.NotFound)
            {
                Assert.Fail("an absent key was found");
            }
            if (reader.PrefixMayMatch(BloomFilterBuilder.Hash(absent), ts.Name, null))
            {
                falsePositives++;
            }
        }
        // 10 bits per distinct prefix: about 1 % false positives.
        Assert.InRange(falsePositives, 0, 60);
        Assert.Equal(2000 - falsePositives, stats.Get(Ticker.BloomFilterUseful));
        Assert.Equal(2000 - falsePositives, stats.Get(Ticker.BloomFilterPrefixUseful));
        // Whole keys are not in the filter: KeyMayMatch must not rule anything out.
        Assert.True(reader.KeyMayMatch("nothing-like-it"u8));
        reader.Unref();
    }

    [Fact]
    public void ReaderWithAnotherExtractorIgnoresThePrefixes()
    {
        using var dir = new TempDirectory();
        string path = BuildPrefixTable(dir.File("p.sst"), SliceTransform.Fixed(2), wholeKey: false, ["aa1", "aa2", "bb1"]);
        TableReader reader = TableTestUtil.Open(path, new TableReaderOptions());
        var stats = new LsmStatistics();
        ISliceTransform other = SliceTransform.Fixed(1); // "a" was never hashed: using it would give false negatives
        Assert.Equal(LookupResult.Found, reader.Get("aa1"u8, 100, null, true, other, stats));
        Assert.True(reader.PrefixMayMatch(BloomFilterBuilder.Hash("a"u8), other.Name, stats));
        Assert.Equal(0, stats.Get(Ticker.BloomFilterChecked));
        Assert.Equal(0, stats.Get(Ticker.BloomFilterPrefixChecked));
        // The right extractor does consult the filter.
        Assert.Equal(LookupResult.NotFound, reader.Get("cc1"u8, 100, null, true, SliceTransform.Fixed(2), stats));
        Assert.Equal(1, stats.Get(Ticker.BloomFilterPrefixChecked));
        reader.Unref();
    }

    [Fact]
    public void WholeKeyAndPrefixShareOneFilter()
    {
        using var dir = new TempDirectory();
        string path = BuildPrefixTable(dir.File("p.sst"), SliceTransform.Fixed(2), wholeKey: true, ["aa1", "aa2", "bb1"]);
        TableReader reader = TableTestUtil.Open(path, new TableReaderOptions());
        Assert.True(reader.KeyMayMatch("aa1"u8));
        Assert.True(reader.KeyMayMatch("bb1"u8));
        Assert.True(reader.PrefixMayMatch(BloomFilterBuilder.Hash("aa"u8), "rocksdb.FixedPrefix.2", null));
        Assert.True(reader.PrefixMayMatch(BloomFilterBuilder.Hash("bb"u8), "rocksdb.FixedPrefix.2", null));
        Assert.Equal(LookupResult.Found, reader.Get("aa2"u8, 100, null));
        reader.Unref();
    }
}
