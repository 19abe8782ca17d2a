using System.Text;
using ManagedKv.Lsm.Tests.Filter;

namespace ManagedKv.Lsm.Tests.Db;

public sealed class PrefixBloomDbTests
{
    private static readonly TimestampSuffixTransform s_ts = new();

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] K(int user, ulong ts) => TimestampSuffixTransform.Key(B($"u{user:D3}"), ts);

    private static DbOptions PrefixOptions(bool wholeKey, double memtableBloom = 0, bool create = true)
    {
        DbOptions o = TestOptions.Small(create);
        o.DefaultColumnFamilyOptions.PrefixExtractor = s_ts;
        o.DefaultColumnFamilyOptions.WholeKeyFiltering = wholeKey;
        o.DefaultColumnFamilyOptions.MemtablePrefixBloomSizeRatio = memtableBloom;
        o.DefaultColumnFamilyOptions.DisableAutoCompactions = true;
        return o;
    }

    private static long Ticks(LsmDb db, Ticker t) => long.Parse(db.GetProperty(LsmStatistics.NameOf(t))!);

    [Fact]
    public void BloomUsefulCountsLookupsTheFilterAnswered()
    {
        using var dir = new TempDir();
        DbOptions o = TestOptions.Small();
        o.DefaultColumnFamilyOptions.DisableAutoCompactions = true;
        using LsmDb db = LsmDb.Open(dir.Path, o);
        for (int file = 0; file < 3; file++)
        {
            for (int i = 0; i < 100; i++)
            {
                db.Put(B($"key{i * 3 + file:D4}"), B("v")); // interleaved: every file spans the whole key range
            }
            db.Flush();
        }
        Assert.Equal("3", db.GetProperty("rocksdb.num-files-at-level0"));
        db.Statistics.Reset();
        for (int i = 0; i < 295; i++)
        {
            Assert.Null(db.Get(B($"key{i + 2:D4}x"))); // inside every file's key range
        }
        long checkedCount = Ticks(db, Ticker.BloomFilterChecked);
        long useful = Ticks(db, Ticker.BloomFilterUseful);
        long positive = Ticks(db, Ticker.BloomFilterFullPositive);
        Assert.Equal(3 * 295, checkedCount);
        Assert.Equal(checkedCount, useful + positive);
        Assert.True(useful >= checkedCount * 9 / 10, $"useful {useful} of {checkedCount}");
        Assert.Equal(0, Ticks(db, Ticker.BloomFilterFullTruePositive));

        for (int i = 0; i < 100; i++)
        {
            Assert.NotNull(db.Get(B($"key{i * 3 + 1:D4}")));
        }
        Assert.True(Ticks(db, Ticker.BloomFilterFullTruePositive) >= 100);
        Assert.Contains("rocksdb.bloom.filter.useful COUNT", db.Statistics.ToString());
    }

    [Fact]
    public void GetUsesThePrefixBloomWhenWholeKeyFilteringIsOff()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, PrefixOptions(wholeKey: false));
        for (int u = 0; u <= 200; u += 2)
        {
            db.Put(K(u, 10), B("v10"));
            db.Put(K(u, 20), B("v20"));
        }
        db.Flush();
        db.Statistics.Reset();
        for (int u = 1; u < 200; u += 2)
        {
            Assert.Null(db.Get(K(u, 10)));
        }
        long prefixChecked = Ticks(db, Ticker.BloomFilterPrefixChecked);
        long prefixUseful = Ticks(db, Ticker.BloomFilterPrefixUseful);
        Assert.Equal(100, prefixChecked);
        Assert.True(prefixUseful >= 90, $"prefix useful {prefixUseful}");
        Assert.Equal(prefixUseful, Ticks(db, Ticker.BloomFilterUseful));
        // Present user keys pass the filter, whatever the timestamp.
        for (int u = 0; u < 200; u += 2)
        {
            Assert.Equal(B("v20"), db.Get(K(u, 20)));
            Assert.Null(db.Get(K(u, 15)));
        }
        Assert.Equal(prefixUseful, Ticks(db, Ticker.BloomFilterPrefixUseful));
    }

    [Fact]
    public void PrefixSeekSkipsFilesWithoutThePrefixAndTotalOrderSeekDoesNot()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, PrefixOptions(wholeKey: false));
        // Three L0 files with disjoint user keys; interleaved so every file's key range covers every prefix.
        for (int file = 0; file < 3; file++)
        {
            for (int u = file; u < 90; u += 3)
            {
                db.Put(K(u, 5), B($"f{file}"));
                db.Put(K(u, 6), B($"f{file}"));
            }
            db.Flush();
        }
        db.Statistics.Reset();
        using (LsmIterator it = db.NewIterator(new ReadOptions { PrefixSameAsStart = true }))
        {
            it.Seek(K(31, ulong.MaxValue >> 1));
            var seen = new List<byte[]>();
            for (; it.Valid; it.Next())
            {
                seen.Add(it.Key.ToArray());
            }
            Assert.Equal([K(31, 6), K(31, 5)], seen);
        }
        Assert.Equal(3, Ticks(db, Ticker.BloomFilterPrefixChecked));
        Assert.Equal(2, Ticks(db, Ticker.BloomFilterPrefixUseful));

        db.Statistics.Reset();
        using (LsmIterator it = db.NewIterator(new ReadOptions { PrefixSameAsStart = true, TotalOrderSeek = true }))
        {
            it.Seek(K(31, ulong.MaxValue >> 1));
            int count = 0;
            for (; it.Valid; it.Next())
            {
                count++;
            }
            Assert.Equal(2 * (90 - 31), count); // total order: runs to the end
        }
        Assert.Equal(0, Ticks(db, Ticker.BloomFilterPrefixChecked));
    }

    [Fact]
    public void PrefixSeekOnLevelsSkipsRuledOutFiles()
    {
        using var dir = new TempDir();
        DbOptions o = PrefixOptions(wholeKey: false);
        o.DefaultColumnFamilyOptions.TargetFileSizeBase = 4096;
        using LsmDb db = LsmDb.Open(dir.Path, o);
        for (int u = 0; u < 400; u += 2)
        {
            db.Put(K(u, 1), new byte[100]);
        }
        db.CompactRange();
        Assert.Equal("0", db.GetProperty("rocksdb.num-files-at-level0"));
        db.Statistics.Reset();
        using LsmIterator it = db.NewIterator(new ReadOptions { PrefixSameAsStart = true });
        int found = 0;
        for (int u = 1; u < 400; u += 2)
        {
            it.Seek(K(u, ulong.MaxValue >> 1));
            Assert.False(it.Valid); // odd users were never written
            it.Seek(K(u - 1, ulong.MaxValue >> 1));
            Assert.True(it.Valid);
            Assert.Equal(K(u - 1, 1), it.Key.ToArray());
            found++;
            it.Next();
            Assert.False(it.Valid);
        }
        Assert.Equal(200, found);
        Assert.True(Ticks(db, Ticker.BloomFilterPrefixUseful) >= 180, $"useful {Ticks(db, Ticker.BloomFilterPrefixUseful)}");
    }

    [Fact]
    public void SeekToFirstAndLastStopAtTheEndOfTheirPrefix()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, PrefixOptions(wholeKey: true));
        for (int u = 0; u < 5; u++)
        {
            db.Put(K(u, 1), B("a"));
            db.Put(K(u, 2), B("b"));
        }
        db.Flush();
        using LsmIterator it = db.NewIterator(new ReadOptions { PrefixSameAsStart = true });
        it.SeekToFirst();
        Assert.Equal(K(0, 2), it.Key.ToArray());
        it.Next();
        Assert.Equal(K(0, 1), it.Key.ToArray());
        it.Next();
        Assert.False(it.Valid);
        it.SeekToLast();
        Assert.Equal(K(4, 1), it.Key.ToArray());
        it.Prev();
        Assert.Equal(K(4, 2), it.Key.ToArray());
        it.Prev();
        Assert.False(it.Valid);
        // SeekForPrev stays in the target's prefix too.
        it.SeekForPrev(K(2, 0));
        Assert.Equal(K(2, 1), it.Key.ToArray());
        it.Prev();
        Assert.Equal(K(2, 2), it.Key.ToArray());
        it.Prev();
        Assert.False(it.Valid);
    }

    [Fact]
    public void MemtableBloomRulesOutMemtables()
    {
        using var dir = new TempDir();
        DbOptions o = PrefixOptions(wholeKey: true, memtableBloom: 0.1);
        o.DefaultColumnFamilyOptions.MemtableWholeKeyFiltering = true;
        using LsmDb db = LsmDb.Open(dir.Path, o);
        for (int u = 0; u < 100; u += 2)
        {
            db.Put(K(u, 1), B("v"));
        }
        db.Statistics.Reset();
        for (int u = 1; u < 100; u += 2)
        {
            Assert.Null(db.Get(K(u, 1)));
        }
        Assert.Equal(50, Ticks(db, Ticker.MemtableBloomChecked));
        Assert.True(Ticks(db, Ticker.MemtableBloomUseful) >= 45);
        for (int u = 0; u < 100; u += 2)
        {
            Assert.Equal(B("v"), db.Get(K(u, 1)));
        }
        db.Statistics.Reset();
        using LsmIterator it = db.NewIterator(new ReadOptions { PrefixSameAsStart = true });
        it.Seek(K(51, 5));
        Assert.False(it.Valid);
        it.Seek(K(50, 5));
        Assert.True(it.Valid);
        Assert.Equal(2, Ticks(db, Ticker.MemtableBloomChecked));
        Assert.Equal(1, Ticks(db, Ticker.MemtableBloomUseful));
    }

    [Fact]
    public void OpeningWithAnotherPrefixExtractorFails()
    {
        using var dir = new TempDir();
        using (LsmDb db = LsmDb.Open(dir.Path, PrefixOptions(wholeKey: false)))
        {
            db.Put(K(1, 1), B("v"));
        }
        DbOptions other = PrefixOptions(wholeKey: false, create: false);
        other.DefaultColumnFamilyOptions.PrefixExtractor = SliceTransform.Fixed(4);
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => LsmDb.Open(dir.Path, other));
        Assert.Contains("test.TimestampSuffix.8", e.Message);
        DbOptions none = PrefixOptions(wholeKey: false, create: false);
        none.DefaultColumnFamilyOptions.PrefixExtractor = null;
        Assert.Throws<InvalidOperationException>(() => LsmDb.Open(dir.Path, none));
        using (LsmDb db = LsmDb.Open(dir.Path, PrefixOptions(wholeKey: false, create: false)))
        {
            Assert.Equal(B("v"), db.Get(K(1, 1)));
        }
    }

    [Fact]
    public void StatisticsMayBeSharedByTwoDbs()
    {
        using var dir = new TempDir();
        var stats = new LsmStatistics();
        DbOptions o1 = TestOptions.Small();
        o1.Statistics = stats;
        DbOptions o2 = TestOptions.Small();
        o2.Statistics = stats;
        using LsmDb db1 = LsmDb.Open(dir.Sub("a"), o1);
        using LsmDb db2 = LsmDb.Open(dir.Sub("b"), o2);
        db1.Put(B("k"), B("v"));
        db2.Put(B("k"), B("v"));
        db1.Flush();
        db2.Flush();
        Assert.Same(stats, db1.Statistics);
        Assert.Equal(db1.FlushBytesWritten + db2.FlushBytesWritten, stats.Get(Ticker.FlushWriteBytes));
        Assert.True(LsmStatistics.TryParse("rocksdb.flush.write.bytes", out Ticker t));
        Assert.Equal(Ticker.FlushWriteBytes, t);
        Assert.Null(db1.GetProperty("rocksdb.no-such-ticker"));
    }
}
