using System.Text;
using ManagedKv.Lsm.Tests.Db;
using Xunit.Abstractions;

namespace ManagedKv.Lsm.Tests.Properties;

/// <summary>GetApproximateSizes and range properties against sizes counted from the data itself.</summary>
public sealed class SizeEstimateTests
{
    private readonly ITestOutputHelper _output;

    public SizeEstimateTests(ITestOutputHelper output) => _output = output;

    private static byte[] Key(int i) => Encoding.UTF8.GetBytes($"key{i:D8}");

    /// <summary>A compacted DB of unique random keys with random-sized incompressible values, and the model of it.</summary>
    private static (LsmDb Db, SortedDictionary<byte[], byte[]> Model) Build(TempDir dir, Random rnd, int count, RangePropertiesCollectorFactory? range)
    {
        DbOptions o = TestOptions.Small();
        o.DefaultColumnFamilyOptions.CompressionPerLevel = [CompressionType.None];
        o.DefaultColumnFamilyOptions.TargetFileSizeBase = 256 << 10;
        if (range is not null)
        {
            o.DefaultColumnFamilyOptions.TablePropertiesCollectorFactories.Add(range);
        }
        var db = LsmDb.Open(dir.Path, o);
        var model = new SortedDictionary<byte[], byte[]>(ByteArrayComparer.Instance);
        while (model.Count < count)
        {
            byte[] key = Key(rnd.Next(count * 4));
            var value = new byte[rnd.Next(20, 300)];
            rnd.NextBytes(value);
            db.Put(key, value);
            model[key] = value;
        }
        db.CompactRange(null, null);
        return (db, model);
    }

    private static (long Size, long Keys) Actual(SortedDictionary<byte[], byte[]> model, byte[]? start, byte[]? end)
    {
        long size = 0;
        long keys = 0;
        foreach ((byte[] k, byte[] v) in model)
        {
            if ((start is null || k.AsSpan().SequenceCompareTo(start) >= 0) && (end is null || k.AsSpan().SequenceCompareTo(end) < 0))
            {
                size += k.Length + v.Length;
                keys++;
            }
        }
        return (size, keys);
    }

    [Fact]
    public void ApproximateSizesFollowTheRealSizeOfRanges()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed {seed}");
        var rnd = new Random(seed);
        using var dir = new TempDir();
        (LsmDb db, SortedDictionary<byte[], byte[]> model) = Build(dir, rnd, 20_000, null);
        using (db)
        {
            long total = db.GetApproximateSizes([new KeyRange(null, null)])[0];
            long onDisk = long.Parse(db.GetProperty("rocksdb.total-sst-files-size")!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(onDisk, total);
            (long allBytes, _) = Actual(model, null, null);
            double bytesPerUserByte = total / (double)allBytes;
            for (int i = 0; i < 50; i++)
            {
                int a = rnd.Next(80_000);
                int b = a + rnd.Next(1, 40_000);
                (long actual, _) = Actual(model, Key(a), Key(b));
                long estimate = db.GetApproximateSizes([new KeyRange(Key(a), Key(b))])[0];
                // Each bound may be off by a data block (1 KiB here); the files' index/filter overhead scales with the data.
                double expected = actual * bytesPerUserByte;
                Assert.True(Math.Abs(estimate - expected) <= 0.05 * expected + 4 * 1024,
                    $"seed {seed}: range [{a}, {b}) estimated {estimate}, expected about {expected:F0}");
            }
            Assert.Equal(0, db.GetApproximateSizes([new KeyRange(Encoding.UTF8.GetBytes("zzz"), null)])[0]);

            // Memtable data counts only when asked for.
            db.Put(Encoding.UTF8.GetBytes("zzz1"), new byte[1000]);
            Assert.Equal(0, db.GetApproximateSizes([new KeyRange(Encoding.UTF8.GetBytes("zzz"), null)])[0]);
            Assert.Equal(1000 + 4 + 8, db.GetApproximateSizes([new KeyRange(Encoding.UTF8.GetBytes("zzz"), null)], includeMemtables: true)[0]);
        }
    }

    [Fact]
    public void RangePropertiesEstimateSizeAndKeysOfRandomRanges()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed {seed}");
        var rnd = new Random(seed);
        using var dir = new TempDir();
        var factory = new RangePropertiesCollectorFactory(sizeDistance: 8 << 10, keysDistance: 64);
        (LsmDb db, SortedDictionary<byte[], byte[]> model) = Build(dir, rnd, 20_000, factory);
        using (db)
        {
            IReadOnlyDictionary<string, TableProperties> tables = db.GetPropertiesOfAllTables();
            foreach (TableProperties p in tables.Values)
            {
                Assert.True(RangeProperties.TryGet(p, out RangeProperties? rp));
                Assert.Equal((long)p.NumEntries, rp!.TotalKeys);
                Assert.Equal((long)(p.RawKeySize - 8 * p.NumEntries + p.RawValueSize), rp.TotalSize);
            }
            (long allBytes, long allKeys) = Actual(model, null, null);
            Assert.Equal(new RangeEstimate(allBytes, allKeys), db.GetRangeApproximateSizeAndKeys(null, null));
            for (int i = 0; i < 100; i++)
            {
                int a = rnd.Next(80_000);
                int b = a + rnd.Next(1, 40_000);
                (long size, long keys) = Actual(model, Key(a), Key(b));
                RangeEstimate e = db.GetRangeApproximateSizeAndKeys(Key(a), Key(b));
                // At most half a sample gap per bound per file the bound cuts (two files at most per bound).
                Assert.True(Math.Abs(e.Keys - keys) <= 2 * 64, $"seed {seed}: [{a}, {b}) keys {e.Keys} vs {keys}");
                Assert.True(Math.Abs(e.Size - size) <= 2 * (8 << 10) + 2 * 64 * 330, $"seed {seed}: [{a}, {b}) size {e.Size} vs {size}");
            }
        }
    }

    [Fact]
    public void RangePropertiesDecodeRejectsDamage()
    {
        var c = new RangePropertiesCollector(10, 2);
        for (int i = 0; i < 10; i++)
        {
            c.Add(Key(i), new byte[5], EntryType.Put, 0, 0);
        }
        byte[] value = c.Finish()[RangeProperties.PropertyName];
        RangeProperties rp = RangeProperties.Decode(value, "test");
        Assert.Equal(10, rp.TotalKeys);
        Assert.Equal(10 * (11 + 5), rp.TotalSize);
        Assert.Equal(Key(0), rp[0].Key);
        Assert.Equal(Key(9), rp[rp.Count - 1].Key);
        Assert.Equal(new RangeEstimate(0, 0), rp.GetApproximateDistance(null, Key(0)));
        Assert.Equal(new RangeEstimate(rp.TotalSize, rp.TotalKeys), rp.GetApproximateDistance(Key(0), null));
        Assert.Throws<CorruptionException>(() => RangeProperties.Decode(value.AsSpan(0, value.Length - 1), "test"));
        byte[] badVersion = (byte[])value.Clone();
        badVersion[0] = 9;
        Assert.Throws<CorruptionException>(() => RangeProperties.Decode(badVersion, "test"));
    }
}
