using System.Globalization;
using System.Text;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Tests.Db;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm.Tests.Properties;

public sealed class TablePropertiesCollectorTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static DbOptions Options(RecordingCollectorFactory factory, bool create = true)
    {
        DbOptions o = TestOptions.Small(create);
        o.DefaultColumnFamilyOptions.TablePropertiesCollectorFactories.Add(factory);
        o.DefaultColumnFamilyOptions.DisableAutoCompactions = true;
        return o;
    }

    /// <summary>Every entry of every live file, as the collector should have seen it, read back from the file itself.</summary>
    private static List<(byte[] Key, EntryType Type, ulong Sequence, byte[] Value)> ReadFile(string path, TableProperties p)
    {
        var result = new List<(byte[], EntryType, ulong, byte[])>();
        TableReader reader = TableReader.Open(RandomAccessFile.Open(path), path, 0, p.FileSize, new TableReaderOptions(), p.GlobalSequenceNumber);
        try
        {
            using IInternalIterator it = reader.NewIterator(fillCache: false);
            for (it.SeekToFirst(); it.Valid; it.Next())
            {
                ulong trailer = InternalKey.Trailer(it.Key);
                EntryType type = (ValueType)(byte)trailer == ValueType.Value ? EntryType.Put : EntryType.Delete;
                // Collectors see the stored sequence (0 for external files), not the global one.
                ulong seq = p.IsExternalFile ? 0 : trailer >> 8;
                result.Add((InternalKey.UserKey(it.Key).ToArray(), type, seq, it.Value.ToArray()));
            }
        }
        finally
        {
            reader.Unref();
        }
        return result;
    }

    private static void AssertCollectorsMatchFiles(IReadOnlyDictionary<string, TableProperties> tables, string name = "Recording")
    {
        Assert.NotEmpty(tables);
        foreach ((string path, TableProperties p) in tables)
        {
            List<(byte[] Key, EntryType Type, ulong Sequence, byte[] Value)> entries = ReadFile(path, p);
            Assert.Equal((ulong)entries.Count, p.NumEntries);
            Assert.Equal(entries.Count.ToString(CultureInfo.InvariantCulture), Encoding.UTF8.GetString(p.UserCollectedProperties[name + "." + RecordingCollectorFactory.CountName]));
            Assert.Equal(RecordingCollectorFactory.Hash(entries), BitConverter.ToUInt64(p.UserCollectedProperties[name + "." + RecordingCollectorFactory.HashName]));
        }
    }

    [Fact]
    public void FlushCollectorSeesEveryEntryWithTypeAndSequence()
    {
        using var dir = new TempDir();
        var factory = new RecordingCollectorFactory();
        using LsmDb db = LsmDb.Open(dir.Path, Options(factory));
        var expected = new List<(byte[], EntryType, ulong, byte[])>();
        for (int i = 0; i < 300; i++)
        {
            byte[] key = B($"k{i:D5}");
            if (i % 7 == 3)
            {
                db.Delete(key);
                expected.Add((key, EntryType.Delete, db.LatestSequenceNumber, []));
            }
            else
            {
                byte[] value = B($"value-{i}");
                db.Put(key, value);
                expected.Add((key, EntryType.Put, db.LatestSequenceNumber, value));
            }
        }
        db.Flush();
        Assert.True(factory.Files.TryDequeue(out var file));
        Assert.Equal(TableFileCreationReason.Flush, file.Context.Reason);
        Assert.Equal(0, file.Context.Level);
        Assert.Equal("default", file.Context.ColumnFamilyName);
        Assert.Equal(expected.Count, file.Entries.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], file.Entries[i], EntryComparer.Instance);
        }
        AssertCollectorsMatchFiles(db.GetPropertiesOfAllTables());
    }

    [Fact]
    public void CompactionCollectorsSeeEveryEntryOfEveryOutputAndSurviveReopen()
    {
        using var dir = new TempDir();
        var factory = new RecordingCollectorFactory();
        var rnd = new Random(42);
        Dictionary<string, TableProperties> before;
        using (LsmDb db = LsmDb.Open(dir.Path, Options(factory)))
        {
            for (int round = 0; round < 4; round++)
            {
                for (int i = 0; i < 2000; i++)
                {
                    byte[] key = B($"key{rnd.Next(5000):D6}");
                    if (rnd.Next(6) == 0)
                    {
                        db.Delete(key);
                    }
                    else
                    {
                        db.Put(key, new byte[rnd.Next(10, 60)]);
                    }
                }
                db.Flush();
            }
            using (Snapshot s = db.GetSnapshot())
            {
                db.Put(B("key000001"), B("after snapshot"));
                db.CompactRange(null, null);
            }
            Assert.Contains(factory.Files, f => f.Context.Reason == TableFileCreationReason.Compaction && f.Context.Level > 0);
            before = new Dictionary<string, TableProperties>(db.GetPropertiesOfAllTables());
            Assert.True(before.Count > 1, "compaction should cut several files");
            AssertCollectorsMatchFiles(before);

            // In-range selection: exactly the files whose key range meets one of the ranges.
            var ranges = new List<KeyRange> { new(B("key001000"), B("key001100")), new(B("key004000"), null) };
            IReadOnlyDictionary<string, TableProperties> some = db.GetPropertiesOfTablesInRange(db.DefaultColumnFamily, ranges);
            foreach ((string path, TableProperties p) in before)
            {
                byte[] lo = InternalKey.UserKey(p.SmallestKey).ToArray();
                byte[] hi = InternalKey.UserKey(p.LargestKey).ToArray();
                bool meets = ranges.Exists(r => r.Overlaps(lo, hi));
                Assert.Equal(meets, some.ContainsKey(path));
            }
            Assert.NotEmpty(some);
            Assert.Empty(db.GetPropertiesOfTablesInRange(db.DefaultColumnFamily, [new KeyRange(B("zzz"), null)]));
        }
        using (LsmDb db = LsmDb.Open(dir.Path, Options(factory, create: false)))
        {
            IReadOnlyDictionary<string, TableProperties> after = db.GetPropertiesOfAllTables();
            Assert.Equal(before.Keys.Order(), after.Keys.Order());
            foreach ((string path, TableProperties p) in after)
            {
                Assert.Equal(before[path].UserCollectedProperties.Keys.Order(), p.UserCollectedProperties.Keys.Order());
                foreach ((string name, byte[] value) in p.UserCollectedProperties)
                {
                    Assert.Equal(before[path].UserCollectedProperties[name], value);
                }
            }
            AssertCollectorsMatchFiles(after);
        }
    }

    [Fact]
    public void SstFileWriterFeedsCollectorsAndIngestKeepsTheirProperties()
    {
        using var dir = new TempDir();
        var factory = new RecordingCollectorFactory();
        var cfo = TestOptions.Tune(new ColumnFamilyOptions());
        cfo.TablePropertiesCollectorFactories.Add(factory);
        string sst = dir.Sub("ext.sst");
        ExternalSstFileInfo info;
        using (var writer = new SstFileWriter(cfo))
        {
            writer.Open(sst);
            for (int i = 0; i < 500; i++)
            {
                if (i % 5 == 0)
                {
                    writer.Delete(B($"x{i:D4}"));
                }
                else
                {
                    writer.Put(B($"x{i:D4}"), B($"v{i}"));
                }
            }
            info = writer.Finish();
        }
        Assert.True(factory.Files.TryDequeue(out var file));
        Assert.Equal(TableFileCreationReason.External, file.Context.Reason);
        Assert.Equal(-1, file.Context.Level);
        Assert.Equal(500, file.Entries.Count);
        Assert.All(file.Entries, e => Assert.Equal(0UL, e.Sequence));
        Assert.Equal(500UL, info.NumEntries);
        Assert.Equal(B("x0000"), info.SmallestKey);
        Assert.Equal(B("x0499"), info.LargestKey);
        Assert.True(info.Properties.IsExternalFile);
        Assert.Equal("500", Encoding.UTF8.GetString(info.Properties.UserCollectedProperties["Recording." + RecordingCollectorFactory.CountName]));

        DbOptions o = TestOptions.Small();
        o.DefaultColumnFamilyOptions.TablePropertiesCollectorFactories.Add(factory);
        using LsmDb db = LsmDb.Open(dir.Sub("db"), o);
        db.IngestExternalFiles([sst]);
        AssertCollectorsMatchFiles(db.GetPropertiesOfAllTables());
    }

    [Fact]
    public void OpenWithOtherCollectorNamesFails()
    {
        using var dir = new TempDir();
        var a = new RecordingCollectorFactory("A");
        using (LsmDb db = LsmDb.Open(dir.Path, Options(a)))
        {
            db.Put(B("k"), B("v"));
        }
        DbOptions other = TestOptions.Small(create: false);
        other.DefaultColumnFamilyOptions.TablePropertiesCollectorFactories.Add(new RecordingCollectorFactory("B"));
        var e = Assert.Throws<InvalidOperationException>(() => LsmDb.Open(dir.Path, other));
        Assert.Contains("'A'", e.Message);
        Assert.Throws<InvalidOperationException>(() => LsmDb.Open(dir.Path, TestOptions.Small(create: false)));
        using (LsmDb db = LsmDb.Open(dir.Path, Options(a, create: false)))
        {
            Assert.Equal(B("v"), db.Get(B("k")));
            // A new CF records its own names.
            var cfo = TestOptions.Tune(new ColumnFamilyOptions());
            cfo.TablePropertiesCollectorFactories.Add(new RecordingCollectorFactory("C"));
            db.CreateColumnFamily("other", cfo);
        }
        DbOptions withCf = Options(a, create: false);
        var cfc = TestOptions.Tune(new ColumnFamilyOptions());
        cfc.TablePropertiesCollectorFactories.Add(new RecordingCollectorFactory("C"));
        withCf.ColumnFamilies["other"] = cfc;
        using (LsmDb db = LsmDb.Open(dir.Path, withCf))
        {
            Assert.NotNull(db.GetColumnFamily("other"));
        }
        Assert.Throws<InvalidOperationException>(() => LsmDb.Open(dir.Path, Options(a, create: false))); // "other" would open without C
    }

    [Fact]
    public void CollectorReturningReservedNameFailsTheFlush()
    {
        using var dir = new TempDir();
        DbOptions o = TestOptions.Small();
        o.DefaultColumnFamilyOptions.TablePropertiesCollectorFactories.Add(new ReservedNameFactory());
        using LsmDb db = LsmDb.Open(dir.Path, o);
        db.Put(B("k"), B("v"));
        Assert.Throws<IOException>(() => db.Flush());
    }

    private sealed class ReservedNameFactory : ITablePropertiesCollectorFactory
    {
        public string Name => "Reserved";

        public ITablePropertiesCollector CreateTablePropertiesCollector(TablePropertiesCollectorContext context) => new Collector();

        private sealed class Collector : ITablePropertiesCollector
        {
            public string Name => "Reserved";

            public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, EntryType type, ulong sequence, long fileSize)
            {
            }

            public IReadOnlyDictionary<string, byte[]> Finish() => new Dictionary<string, byte[]> { ["rocksdb.mine"] = [1] };
        }
    }

    private sealed class EntryComparer : IEqualityComparer<(byte[] Key, EntryType Type, ulong Sequence, byte[] Value)>
    {
        public static readonly EntryComparer Instance = new();

        public bool Equals((byte[] Key, EntryType Type, ulong Sequence, byte[] Value) x, (byte[] Key, EntryType Type, ulong Sequence, byte[] Value) y) =>
            x.Key.AsSpan().SequenceEqual(y.Key) && x.Type == y.Type && x.Sequence == y.Sequence && x.Value.AsSpan().SequenceEqual(y.Value);

        public int GetHashCode((byte[] Key, EntryType Type, ulong Sequence, byte[] Value) obj) => obj.Key.Length;
    }
}
