using System.Text;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Tests.Db;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm.Tests.Ingest;

public sealed class IngestTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(byte[]? b) => b is null ? "<null>" : Encoding.UTF8.GetString(b);

    /// <summary>Writes an external SST: value null = delete.</summary>
    internal static string WriteSst(string path, IEnumerable<(string Key, string? Value)> entries, ColumnFamilyOptions? options = null)
    {
        using var w = new SstFileWriter(options);
        w.Open(path);
        foreach ((string k, string? v) in entries)
        {
            if (v is null)
            {
                w.Delete(B(k));
            }
            else
            {
                w.Put(B(k), B(v));
            }
        }
        w.Finish();
        return path;
    }

    private static DbOptions Options(bool create = true)
    {
        DbOptions o = TestOptions.Small(create);
        o.DefaultColumnFamilyOptions.DisableAutoCompactions = true;
        return o;
    }

    private static int FilesAt(LsmDb db, int level) => int.Parse(db.GetProperty($"rocksdb.num-files-at-level{level}")!, System.Globalization.CultureInfo.InvariantCulture);

    private static List<(string, string)> Scan(LsmDb db, ReadOptions? ro = null, bool backward = false)
    {
        var result = new List<(string, string)>();
        using LsmIterator it = db.NewIterator(ro);
        if (backward)
        {
            for (it.SeekToLast(); it.Valid; it.Prev())
            {
                result.Add((Encoding.UTF8.GetString(it.Key), Encoding.UTF8.GetString(it.Value)));
            }
            result.Reverse();
        }
        else
        {
            for (it.SeekToFirst(); it.Valid; it.Next())
            {
                result.Add((Encoding.UTF8.GetString(it.Key), Encoding.UTF8.GetString(it.Value)));
            }
        }
        return result;
    }

    private static string[] SstFiles(string dbPath) => Directory.GetFiles(dbPath, "*.sst").Select(Path.GetFileName).Order().ToArray()!;

    [Fact]
    public void IngestIntoEmptyDbGoesToTheBottomLevelAtSequenceZero()
    {
        using var dir = new TempDir();
        string sst = WriteSst(dir.Sub("a.sst"), [("a", "1"), ("b", "2"), ("c", null)]);
        using LsmDb db = LsmDb.Open(dir.Sub("db"), Options());
        ulong before = db.LatestSequenceNumber;
        db.IngestExternalFiles([sst]);
        Assert.Equal(before, db.LatestSequenceNumber);
        Assert.Equal(1, FilesAt(db, 6));
        Assert.Equal(B("1"), db.Get(B("a")));
        Assert.Equal(B("2"), db.Get(B("b")));
        Assert.Null(db.Get(B("c")));
        TableProperties p = Assert.Single(db.GetPropertiesOfAllTables().Values);
        Assert.True(p.IsExternalFile);
        Assert.Equal(0UL, p.GlobalSequenceNumber);
        Assert.True(File.Exists(sst)); // copied, not moved
    }

    [Fact]
    public void SnapshotsDoNotSeeIngestedDataAndNewReadsDo()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Sub("db"), Options());
        db.Put(B("a"), B("old"));
        db.Put(B("z"), B("old-z"));
        db.Flush();
        using Snapshot snap = db.GetSnapshot();
        db.IngestExternalFiles([WriteSst(dir.Sub("x.sst"), [("a", "new"), ("m", "new-m"), ("z", null)])]);
        Assert.Equal(snap.Sequence + 1, db.LatestSequenceNumber);
        var old = new ReadOptions { Snapshot = snap };
        Assert.Equal(B("old"), db.Get(B("a"), old));
        Assert.Null(db.Get(B("m"), old));
        Assert.Equal(B("old-z"), db.Get(B("z"), old));
        Assert.Equal([("a", "old"), ("z", "old-z")], Scan(db, old));
        Assert.Equal([("a", "old"), ("z", "old-z")], Scan(db, old, backward: true));
        Assert.Equal(B("new"), db.Get(B("a")));
        Assert.Equal(B("new-m"), db.Get(B("m")));
        Assert.Null(db.Get(B("z")));
        Assert.Equal([("a", "new"), ("m", "new-m")], Scan(db));
        Assert.Equal([("a", "new"), ("m", "new-m")], Scan(db, backward: true));
        TableProperties ingested = db.GetPropertiesOfAllTables().Values.Single(p => p.IsExternalFile);
        Assert.Equal(db.LatestSequenceNumber, ingested.GlobalSequenceNumber);

        // Writes after the ingest are newer than it.
        db.Put(B("m"), B("newest"));
        Assert.Equal(B("newest"), db.Get(B("m")));
    }

    [Fact]
    public void OverlapWithMemtableFlushesFirstAndIngestedDataWins()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Sub("db"), Options());
        db.Put(B("b"), B("mem"));
        db.Put(B("q"), B("mem-q"));
        db.IngestExternalFiles([WriteSst(dir.Sub("x.sst"), [("a", "ing-a"), ("b", "ing-b"), ("c", "ing-c")])]);
        Assert.Equal(2, FilesAt(db, 0)); // the flushed memtable and the ingested file above it
        Assert.Equal(B("ing-b"), db.Get(B("b")));
        Assert.Equal(B("mem-q"), db.Get(B("q")));
        Assert.Equal([("a", "ing-a"), ("b", "ing-b"), ("c", "ing-c"), ("q", "mem-q")], Scan(db));
        Assert.Equal([("a", "ing-a"), ("b", "ing-b"), ("c", "ing-c"), ("q", "mem-q")], Scan(db, backward: true));
        db.CompactRange(null, null);
        Assert.Equal([("a", "ing-a"), ("b", "ing-b"), ("c", "ing-c"), ("q", "mem-q")], Scan(db));
    }

    [Fact]
    public void OverlapWithLevelsGetsAGlobalSequenceAboveThemAndDisjointFilesSinkToTheBottom()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Sub("db"), Options());
        for (int i = 0; i < 100; i++)
        {
            db.Put(B($"k{i:D3}"), B("base"));
        }
        db.CompactRange(null, null);
        Assert.Equal(1, FilesAt(db, 6));
        ulong seq = db.LatestSequenceNumber;

        // Overlapping: must sit above L6 with a newer sequence; dynamic level bytes keep L1..L5 empty, so L0.
        db.IngestExternalFiles([WriteSst(dir.Sub("o.sst"), [("k010", "ing"), ("k050", null)])]);
        Assert.Equal(seq + 1, db.LatestSequenceNumber);
        Assert.Equal(1, FilesAt(db, 0));
        Assert.Equal(B("ing"), db.Get(B("k010")));
        Assert.Null(db.Get(B("k050")));
        Assert.Equal(B("base"), db.Get(B("k051")));

        // Disjoint from everything: straight to the bottom, no sequence consumed.
        db.IngestExternalFiles([WriteSst(dir.Sub("d.sst"), [("z1", "d1"), ("z2", "d2")])]);
        Assert.Equal(seq + 1, db.LatestSequenceNumber);
        Assert.Equal(2, FilesAt(db, 6));
        Assert.Equal(B("d2"), db.Get(B("z2")));

        db.CompactRange(null, null);
        Assert.Equal(B("ing"), db.Get(B("k010")));
        Assert.Null(db.Get(B("k050")));
        Assert.Equal(100 - 1 + 2, Scan(db).Count);
    }

    [Fact]
    public void SeveralFilesCommitTogetherAndOverlappingOnesAreRejected()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Sub("db"), Options());
        string a = WriteSst(dir.Sub("a.sst"), [("a", "1"), ("c", "3")]);
        string b = WriteSst(dir.Sub("b.sst"), [("c", "x"), ("d", "4")]);
        string c = WriteSst(dir.Sub("c.sst"), [("e", "5")]);
        Assert.Throws<ArgumentException>(() => db.IngestExternalFiles([a, b]));
        Assert.Empty(SstFiles(db.Path));
        db.IngestExternalFiles([c, a]);
        Assert.Equal([("a", "1"), ("c", "3"), ("e", "5")], Scan(db));
    }

    [Fact]
    public void DisallowedFlushOrGlobalSequenceFailsWithNothingChanged()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Sub("db"), Options());
        db.Put(B("b"), B("mem"));
        string sst = WriteSst(dir.Sub("x.sst"), [("a", "1"), ("c", "3")]);
        Assert.Throws<InvalidOperationException>(() => db.IngestExternalFiles([sst], new IngestOptions { AllowBlockingFlush = false }));
        Assert.Empty(SstFiles(db.Path));
        Assert.Equal(0, FilesAt(db, 0));
        db.Flush();
        string[] files = SstFiles(db.Path);
        Assert.Throws<InvalidOperationException>(() => db.IngestExternalFiles([sst], new IngestOptions { AllowGlobalSeqNo = false }));
        Assert.Equal(files, SstFiles(db.Path));
        Assert.Null(db.Get(B("a")));
        using (db.GetSnapshot())
        {
            // Disjoint, but a snapshot exists: snapshot consistency needs a sequence.
            string z = WriteSst(dir.Sub("z.sst"), [("z", "1")]);
            Assert.Throws<InvalidOperationException>(() => db.IngestExternalFiles([z], new IngestOptions { AllowGlobalSeqNo = false }));
            db.IngestExternalFiles([z], new IngestOptions { AllowGlobalSeqNo = false, SnapshotConsistency = false });
        }
        Assert.Equal(B("1"), db.Get(B("z")));
    }

    [Fact]
    public void MoveDeletesTheSourceAndCopyKeepsIt()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Sub("db"), Options());
        string copy = WriteSst(dir.Sub("copy.sst"), [("a", "1")]);
        string move = WriteSst(dir.Sub("move.sst"), [("b", "2")]);
        db.IngestExternalFiles([copy]);
        db.IngestExternalFiles([move], new IngestOptions { MoveFiles = true });
        Assert.True(File.Exists(copy));
        Assert.False(File.Exists(move));
        Assert.Equal(B("1"), db.Get(B("a")));
        Assert.Equal(B("2"), db.Get(B("b")));
        Assert.Equal(2, SstFiles(db.Path).Length);
    }

    [Fact]
    public void BadFilesAreRejectedWithNothingChanged()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Sub("db"), Options());
        db.Put(B("keep"), B("v"));
        db.Flush();
        string[] before = SstFiles(db.Path);
        ulong seq = db.LatestSequenceNumber;

        // A flipped byte in the data block.
        string corrupt = WriteSst(dir.Sub("corrupt.sst"), Enumerable.Range(0, 200).Select(i => ($"c{i:D4}", (string?)$"value{i}")));
        byte[] bytes = File.ReadAllBytes(corrupt);
        bytes[100] ^= 0x40;
        File.WriteAllBytes(corrupt, bytes);
        Assert.Throws<CorruptionException>(() => db.IngestExternalFiles([corrupt]));

        // A regular table (real sequence numbers), not an external one.
        string regular = dir.Sub("regular.sst");
        using (var builder = new TableBuilder(regular, new TableBuilderOptions()))
        {
            builder.Add(InternalKey.Create(B("r"), 5, ValueType.Value), B("v"));
            builder.Finish(sync: false);
        }
        Assert.Throws<ArgumentException>(() => db.IngestExternalFiles([regular]));

        // Marked external but holding one user key twice (an SstFileWriter would refuse it).
        string duplicate = dir.Sub("dup.sst");
        using (var builder = new TableBuilder(duplicate, new TableBuilderOptions { IsExternalFile = true }))
        {
            builder.Add(InternalKey.Create(B("d"), 0, ValueType.Value), B("v"));
            builder.Add(InternalKey.Create(B("d"), 0, ValueType.Deletion), []);
            builder.Finish(sync: false);
        }
        Assert.Throws<CorruptionException>(() => db.IngestExternalFiles([duplicate]));

        // A truncated file.
        string truncated = WriteSst(dir.Sub("trunc.sst"), [("t", "1")]);
        byte[] t = File.ReadAllBytes(truncated);
        File.WriteAllBytes(truncated, t[..^10]);
        Assert.Throws<CorruptionException>(() => db.IngestExternalFiles([truncated]));

        // A good file together with a bad one: nothing of either goes in.
        string good = WriteSst(dir.Sub("good.sst"), [("g", "1")]);
        Assert.Throws<CorruptionException>(() => db.IngestExternalFiles([good, corrupt]));

        Assert.Equal(before, SstFiles(db.Path));
        Assert.Equal(seq, db.LatestSequenceNumber);
        Assert.Equal([("keep", "v")], Scan(db));
        Assert.Throws<InvalidOperationException>(() =>
        {
            using var w = new SstFileWriter();
            w.Open(dir.Sub("empty.sst"));
            w.Finish();
        });
        Assert.False(File.Exists(dir.Sub("empty.sst")));
        using (var w = new SstFileWriter())
        {
            w.Open(dir.Sub("order.sst"));
            w.Put(B("b"), B("1"));
            Assert.Throws<ArgumentException>(() => w.Put(B("b"), B("2")));
            Assert.Throws<ArgumentException>(() => w.Delete(B("a")));
        }
        Assert.False(File.Exists(dir.Sub("order.sst"))); // abandoned on Dispose
    }

    [Fact]
    public void IngestedFilesAndTheirSequencesSurviveReopen()
    {
        using var dir = new TempDir();
        string dbPath = dir.Sub("db");
        ulong globalSeq;
        using (LsmDb db = LsmDb.Open(dbPath, Options()))
        {
            db.Put(B("a"), B("old"));
            db.Put(B("b"), B("old-b"));
            db.Flush();
            db.IngestExternalFiles([WriteSst(dir.Sub("x.sst"), [("a", "new"), ("b", null)])], new IngestOptions { MoveFiles = true });
            globalSeq = db.LatestSequenceNumber;
            db.Put(B("c"), B("after")); // in the WAL only
        }
        using (LsmDb db = LsmDb.Open(dbPath, Options(create: false)))
        {
            Assert.Equal(B("new"), db.Get(B("a")));
            Assert.Null(db.Get(B("b")));
            Assert.Equal(B("after"), db.Get(B("c")));
            Assert.True(db.LatestSequenceNumber > globalSeq);
            TableProperties ingested = db.GetPropertiesOfAllTables().Values.Single(p => p.IsExternalFile);
            Assert.Equal(globalSeq, ingested.GlobalSequenceNumber);
            db.CompactRange(null, null);
            Assert.Equal([("a", "new"), ("c", "after")], Scan(db));
        }
        using (LsmDb db = LsmDb.Open(dbPath, Options(create: false)))
        {
            Assert.Equal([("a", "new"), ("c", "after")], Scan(db, backward: true));
        }
    }

    [Fact]
    public void AFileCopiedInButNeverCommittedIsRemovedAtOpen()
    {
        using var dir = new TempDir();
        string dbPath = dir.Sub("db");
        using (LsmDb db = LsmDb.Open(dbPath, Options()))
        {
            db.Put(B("a"), B("1"));
            db.Flush();
        }
        // What a crash between the copy and the MANIFEST commit leaves: an SST no version lists.
        string orphan = Path.Combine(dbPath, "999999.sst");
        WriteSst(orphan, [("zz", "1")]);
        using (LsmDb db = LsmDb.Open(dbPath, Options(create: false)))
        {
            Assert.False(File.Exists(orphan));
            Assert.Null(db.Get(B("zz")));
            Assert.Equal(B("1"), db.Get(B("a")));
        }
    }

    [Fact]
    public void IngestIntoANamedColumnFamilyRecordsItsName()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Sub("db"), Options());
        ColumnFamily cf = db.CreateColumnFamily("write", TestOptions.Tune(new ColumnFamilyOptions()));
        string sst;
        using (var w = new SstFileWriter(null, cf))
        {
            sst = dir.Sub("w.sst");
            w.Open(sst);
            w.Put(B("k"), B("v"));
            Assert.Equal("write", w.Finish().Properties.ColumnFamilyName);
        }
        db.IngestExternalFiles(cf, [sst]);
        Assert.Equal(B("v"), db.Get(cf, B("k")));
        Assert.Null(db.Get(B("k")));
    }
}
