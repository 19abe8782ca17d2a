using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Version;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm.Tests.Version;

public sealed class ManifestTests
{
    private static FileMetaData File7() =>
        new(7, 4096, InternalKey.Create("a"u8, 5, ValueType.Value), InternalKey.Create("z"u8, 9, ValueType.Deletion), 5, 9);

    [Fact]
    public void VersionEditGoldenBytes()
    {
        var edit = new VersionEdit { ColumnFamilyId = 2, LogNumber = 12, NextFileNumber = 300, LastSequence = 1000 };
        edit.DeleteFile(1, 5);
        edit.AddFile(2, File7());
        byte[] bytes = edit.Encode();
        string hex = Convert.ToHexString(bytes);
        // 07 02 | 02 0C | 03 AC02 | 04 E807 | 05 01 05 | 06 02 07 8020 09 'a'+trailer 09 'z'+trailer 05 09
        Assert.Equal(
            "0702" + "020C" + "03AC02" + "04E807" + "050105" + "0602078020" +
            "0961" + "0105000000000000" + "097A" + "0009000000000000" + "0509",
            hex);
    }

    [Fact]
    public void VersionEditRoundTripsEveryField()
    {
        var edit = new VersionEdit
        {
            FormatVersion = 1,
            Comparator = BytewiseComparator.Name,
            ColumnFamilyId = 3,
            ColumnFamilyAdd = "write",
            LogNumber = 44,
            NextFileNumber = 45,
            LastSequence = 1UL << 50,
            MaxColumnFamily = 3,
        };
        edit.DeleteFile(4, 99);
        edit.AddFile(0, File7());
        VersionEdit back = VersionEdit.Decode(edit.Encode(), "m", 0);
        Assert.Equal(edit.FormatVersion, back.FormatVersion);
        Assert.Equal(edit.Comparator, back.Comparator);
        Assert.Equal(3u, back.ColumnFamilyId);
        Assert.Equal("write", back.ColumnFamilyAdd);
        Assert.Equal(44UL, back.LogNumber);
        Assert.Equal(45UL, back.NextFileNumber);
        Assert.Equal(1UL << 50, back.LastSequence);
        Assert.Equal(3u, back.MaxColumnFamily);
        Assert.Equal((4, 99UL), back.DeletedFiles.Single());
        (int level, FileMetaData f) = back.NewFiles.Single();
        Assert.Equal(0, level);
        Assert.Equal(7UL, f.Number);
        Assert.Equal(4096, f.FileSize);
        Assert.Equal(File7().Smallest, f.Smallest);
        Assert.Equal(File7().Largest, f.Largest);
        Assert.Equal(5UL, f.SmallestSequence);
        Assert.Equal(9UL, f.LargestSequence);
    }

    [Fact]
    public void UnknownRequiredTagIsCorruptionButIgnorableTagIsSkipped()
    {
        Assert.Throws<CorruptionException>(() => VersionEdit.Decode([0x30, 0x01], "m", 8));
        VersionEdit e = VersionEdit.Decode([0x64, 0x02, 0xAA, 0xBB, 0x02, 0x07], "m", 8); // tag 100: unknown, ignorable
        Assert.Equal(7UL, e.LogNumber);
    }

    [Fact]
    public void ManifestLogToleratesTornTailButNotBadChecksum()
    {
        using var dir = new TempDir();
        string path = dir.Sub("MANIFEST-000001");
        using (ManifestLog log = ManifestLog.Create(path))
        {
            log.AddRecord([1, 2, 3]);
            log.AddRecord([4, 5, 6, 7]);
        }
        Assert.Equal(2, ManifestLog.ReadAll(path).Count);

        // Torn: the last record cut short.
        byte[] full = File.ReadAllBytes(path);
        File.WriteAllBytes(path, full[..^2]);
        var records = ManifestLog.ReadAll(path);
        Assert.Single(records);
        Assert.Equal(new byte[] { 1, 2, 3 }, records[0].Payload);

        // Zero-filled tail.
        File.WriteAllBytes(path, [.. full, .. new byte[16]]);
        Assert.Equal(2, ManifestLog.ReadAll(path).Count);

        // Flipped payload byte of a complete record.
        byte[] bad = (byte[])full.Clone();
        bad[ManifestLog.HeaderSize + 1] ^= 0x10;
        File.WriteAllBytes(path, bad);
        CorruptionException e = Assert.Throws<CorruptionException>(() => ManifestLog.ReadAll(path));
        Assert.Equal(0, e.Offset);
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void WriteBatchGoldenBytes()
    {
        var batch = new WriteBatch();
        batch.Put("k"u8, "v"u8);
        batch.Delete("d"u8);
        WriteBatch.SetSequence(batch.DataMutable, 0x0102);
        Assert.Equal(
            "0201000000000000" + "02000000" + "01" + "00" + "016B" + "0176" + "00" + "00" + "0164",
            Convert.ToHexString(batch.Data));
    }
}
