using ManagedKv.Lsm.Wal;
using static ManagedKv.Lsm.Tests.Wal.WalTestDirectory;

namespace ManagedKv.Lsm.Tests.Wal;

/// <summary>The edge cases of leveldb's log_test.cc, and each recovery mode on tail and mid-log damage.</summary>
public sealed class WalReaderDamageTests : IDisposable
{
    private const int Block = WalFormat.BlockSize;
    private const int Header = WalFormat.HeaderSize;
    private const WalRecoveryMode Tolerate = WalRecoveryMode.TolerateCorruptedTailRecords;
    private const WalRecoveryMode Absolute = WalRecoveryMode.AbsoluteConsistency;
    private const WalRecoveryMode PointInTime = WalRecoveryMode.PointInTimeRecovery;
    private const WalRecoveryMode SkipAny = WalRecoveryMode.SkipAnyCorruptedRecords;

    private readonly WalTestDirectory _dir = new();
    private readonly string _path;

    public WalReaderDamageTests() => _path = _dir.File();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void MarginalTrailerLeavesRoomForAZeroLengthFirstFragment()
    {
        // The first record leaves exactly a header's room: the next record starts with an empty First fragment.
        Write(_path, [Big("foo", Block - 2 * Header), [], Text("bar")]);
        Assert.Equal(Block - Header + Header + Header + 3, new FileInfo(_path).Length);
        AssertRecords(Absolute, Big("foo", Block - 2 * Header), [], Text("bar"));
    }

    [Fact]
    public void MarginalTrailerWithoutEmptyRecord()
    {
        Write(_path, [Big("foo", Block - 2 * Header), Text("bar")]);
        AssertRecords(Absolute, Big("foo", Block - 2 * Header), Text("bar"));
    }

    [Fact]
    public void ShortTrailerIsPaddedAndSkipped()
    {
        // Leaves 3 bytes in the block: too small for a header, zero padded.
        Write(_path, [Big("foo", Block - 2 * Header + 4), [], Text("bar")]);
        Assert.Equal(Block + Header + Header + 3, new FileInfo(_path).Length);
        AssertRecords(Absolute, Big("foo", Block - 2 * Header + 4), [], Text("bar"));
    }

    [Fact]
    public void ShortTrailerAtEndOfFileIsAnEnd()
    {
        Write(_path, [Big("foo", Block - 2 * Header + 4)]);
        Assert.Equal(Block - Header + 4, new FileInfo(_path).Length);
        AssertRecords(Absolute, Big("foo", Block - 2 * Header + 4));
    }

    [Fact]
    public void BadRecordTypeAtTail()
    {
        Write(_path, [Text("foo")]);
        SetTypeAndFixChecksum(_path, 0, 100);
        AssertRecords(Tolerate);
        AssertDropped(Tolerate, Header + 3, 0);
        AssertCorruption(Absolute, 0, "unknown record type");
    }

    [Fact]
    public void BadRecordTypeFollowedByData()
    {
        Write(_path, [Text("foo"), Text("bar")]);
        SetTypeAndFixChecksum(_path, 0, 100);
        AssertCorruption(Tolerate, 0, "unknown record type");
        AssertRecords(PointInTime);
        // Skipping resumes at the next block, so "bar" in the same block is dropped with the bad record.
        AssertRecords(SkipAny);
    }

    [Fact]
    public void TruncatedTrailingRecordIsIgnored()
    {
        Write(_path, [Text("foo")]);
        Shrink(_path, 4); // drops the whole payload and one header byte
        AssertRecords(Tolerate);
        AssertDropped(Tolerate, Header - 1, 0);
        AssertCorruption(Absolute, 0, "truncated record header");
        AssertRecords(PointInTime);
        AssertRecords(SkipAny);
    }

    [Fact]
    public void BadLengthFollowedByDataIsCorruption()
    {
        int payload = Block - Header;
        Write(_path, [Big("bar", payload), Text("foo")]);
        // Least significant length byte + 1: the record now runs past its block.
        IncrementByte(_path, 4, 1);
        AssertCorruption(Tolerate, 0, "bad record length");
        AssertCorruption(Absolute, 0, "bad record length");
        AssertRecords(PointInTime);
        AssertRecords(SkipAny, Text("foo"));
        AssertDropped(SkipAny, Block, 0);
    }

    [Fact]
    public void BadLengthAtEndIsIgnored()
    {
        Write(_path, [Text("foo")]);
        Shrink(_path, 1);
        AssertRecords(Tolerate);
        AssertDropped(Tolerate, Header + 2, 0);
        AssertCorruption(Absolute, 0, "record truncated by the end of the file");
    }

    [Fact]
    public void ChecksumMismatchOfTheOnlyRecordIsATail()
    {
        Write(_path, [Text("foooooo")]);
        IncrementByte(_path, 0, 14);
        AssertRecords(Tolerate);
        AssertDropped(Tolerate, Header + 7, 0);
        AssertCorruption(Absolute, 0, "checksum mismatch");
        AssertRecords(PointInTime);
        AssertRecords(SkipAny);
    }

    [Fact]
    public void ChecksumMismatchFollowedByARecordInTheSameBlockIsCorruption()
    {
        long[] offsets = Write(_path, [Text("one"), Text("two"), Text("three")]);
        IncrementByte(_path, offsets[1] + Header, 1); // payload byte of "two"
        AssertCorruption(Tolerate, offsets[1], "checksum mismatch");
        AssertCorruption(Absolute, offsets[1], "checksum mismatch");
        AssertRecords(PointInTime, Text("one"));
        AssertDropped(PointInTime, new FileInfo(_path).Length - offsets[1], offsets[1]);
        AssertRecords(SkipAny, Text("one"));
    }

    [Fact]
    public void UnexpectedMiddleType()
    {
        Write(_path, [Text("foo")]);
        SetTypeAndFixChecksum(_path, 0, (byte)WalRecordType.Middle);
        AssertCorruption(Tolerate, 0, "fragment without a first part");
        AssertRecords(PointInTime);
        AssertRecords(SkipAny);
        AssertDropped(SkipAny, Header + 3, 0);
    }

    [Fact]
    public void UnexpectedLastType()
    {
        Write(_path, [Text("foo"), Text("bar")]);
        SetTypeAndFixChecksum(_path, 0, (byte)WalRecordType.Last);
        AssertCorruption(Tolerate, 0, "fragment without a first part");
        AssertRecords(SkipAny, Text("bar"));
    }

    [Fact]
    public void UnexpectedFullTypeAfterFirst()
    {
        Write(_path, [Text("foo"), Text("bar")]);
        SetTypeAndFixChecksum(_path, 0, (byte)WalRecordType.First);
        AssertCorruption(Tolerate, 0, "fragmented record without its last part");
        AssertCorruption(Absolute, 0, "fragmented record without its last part");
        AssertRecords(PointInTime);
        AssertRecords(SkipAny, Text("bar"));
        AssertDropped(SkipAny, Header + 3, 0);
    }

    [Fact]
    public void UnexpectedFirstTypeAfterFirst()
    {
        Write(_path, [Text("foo"), Text("bar")]);
        SetTypeAndFixChecksum(_path, 0, (byte)WalRecordType.First);
        SetTypeAndFixChecksum(_path, Header + 3, (byte)WalRecordType.First);
        AssertCorruption(Tolerate, 0, "fragmented record without its last part");
        AssertRecords(PointInTime);
    }

    [Fact]
    public void MissingLastIsIgnored()
    {
        Write(_path, [Big("bar", Block)]);
        Shrink(_path, 14); // removes the Last fragment (header + 7 payload bytes) entirely
        AssertRecords(Tolerate);
        AssertDropped(Tolerate, Block, 0);
        AssertCorruption(Absolute, 0, "incomplete fragmented record at the end of the log");
        AssertRecords(PointInTime);
        AssertRecords(SkipAny);
    }

    [Fact]
    public void PartialLastIsIgnored()
    {
        Write(_path, [Big("bar", Block)]);
        Shrink(_path, 1);
        AssertRecords(Tolerate);
        AssertCorruption(Absolute, 0, "record truncated by the end of the file");
    }

    [Fact]
    public void TornRecordAfterGoodOnesKeepsThePrefix()
    {
        Write(_path, [Text("a"), Big("b", 2 * Block), Text("c"), Big("d", 50_000)]);
        Shrink(_path, 100);
        foreach (WalRecoveryMode mode in new[] { Tolerate, PointInTime, SkipAny })
        {
            AssertRecords(mode, Text("a"), Big("b", 2 * Block), Text("c"));
        }
        Assert.Throws<CorruptionException>(() => ReadAll(_path, Absolute));
    }

    [Fact]
    public void ErrorJoinsRecordsIsNotPossible()
    {
        // Wipe the middle block: the First of "foo" and the Last of "bar" must not be joined.
        Write(_path, [Big("foo", Block), Big("bar", Block), Text("correct")]);
        byte[] bytes = File.ReadAllBytes(_path);
        bytes.AsSpan(Block, Block).Fill((byte)'x');
        File.WriteAllBytes(_path, bytes);
        AssertRecords(SkipAny, Text("correct"));
        using var reader = new WalReader(_path, 1, SkipAny);
        while (reader.TryReadRecord(out _, out _))
        {
        }
        Assert.True(reader.DroppedBytes >= 2 * Block, $"dropped {reader.DroppedBytes}");
        AssertCorruption(Tolerate, 0, "unknown record type 120");
        AssertRecords(PointInTime);
    }

    [Fact]
    public void ZeroFilledTailIsACleanEndInEveryMode()
    {
        Write(_path, [Text("a"), Big("b", 40_000), Text("c")]);
        using (var stream = new FileStream(_path, FileMode.Append))
        {
            stream.Write(new byte[3 * Block + 123]);
        }
        foreach (WalRecoveryMode mode in Enum.GetValues<WalRecoveryMode>())
        {
            AssertRecords(mode, Text("a"), Big("b", 40_000), Text("c"));
            AssertDropped(mode, 0, -1);
        }
    }

    [Fact]
    public void TornMappedCopyIsATail()
    {
        // A process killed in the middle of copying a record into the mapping: payload bytes present, header zero.
        long[] offsets = Write(_path, [Text("a"), Text("b"), Text("torn")]);
        byte[] bytes = File.ReadAllBytes(_path);
        bytes.AsSpan((int)offsets[2], Header).Clear();
        Array.Resize(ref bytes, 2 * Block); // the zero preallocation after it
        File.WriteAllBytes(_path, bytes);
        AssertRecords(Tolerate, Text("a"), Text("b"));
        AssertRecords(PointInTime, Text("a"), Text("b"));
        AssertCorruption(Absolute, offsets[2], "zero record header followed by data");
    }

    [Fact]
    public void ZeroedBlockFollowedByDataIsCorruption()
    {
        // A lost page in the middle (e.g. unsynced mapped pages written back out of order before a power loss).
        Write(_path, [Big("a", Block - Header), Big("b", Block - Header), Big("c", Block - Header)]);
        byte[] bytes = File.ReadAllBytes(_path);
        bytes.AsSpan(Block, Block).Clear();
        File.WriteAllBytes(_path, bytes);
        AssertCorruption(Tolerate, Block, "zero record header followed by data");
        AssertCorruption(Absolute, Block, "zero record header followed by data");
        AssertRecords(PointInTime, Big("a", Block - Header));
        AssertRecords(SkipAny, Big("a", Block - Header), Big("c", Block - Header));
    }

    [Fact]
    public void MidLogChecksumMismatchInEachMode()
    {
        byte[] a = Big("a", 5000), b = Big("b", 70_000), c = Big("c", 100), d = Big("d", 40_000);
        long[] offsets = Write(_path, [a, b, c, d]);
        // Damage a Middle fragment of b (second block).
        IncrementByte(_path, Block + Header + 10, 1);
        AssertCorruption(Tolerate, offsets[1], "checksum mismatch");
        AssertCorruption(Absolute, offsets[1], "checksum mismatch");
        AssertRecords(PointInTime, a);
        AssertRecords(SkipAny, a, c, d);
        using var reader = new WalReader(_path, 1, SkipAny);
        while (reader.TryReadRecord(out _, out _))
        {
        }
        Assert.Equal(offsets[1], reader.FirstDropOffset);
        Assert.Equal("checksum mismatch", reader.FirstDropReason);
        Assert.True(reader.DropCount >= 1);
    }

    [Fact]
    public void LastRecordEndIsTheValidLength()
    {
        Write(_path, [Text("a"), Big("b", 40_000)]);
        long length = new FileInfo(_path).Length;
        using (var stream = new FileStream(_path, FileMode.Append))
        {
            stream.Write(new byte[100]);
        }
        using var reader = new WalReader(_path, 1, Absolute);
        while (reader.TryReadRecord(out _, out _))
        {
        }
        Assert.Equal(length, reader.LastRecordEnd);
    }

    private void AssertRecords(WalRecoveryMode mode, params byte[][] expected)
    {
        var (records, _, _, _) = ReadAll(_path, mode);
        Assert.True(expected.Length == records.Count, $"{mode}: expected {expected.Length} records, read {records.Count}");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i].AsSpan().SequenceEqual(records[i]), $"{mode}: record {i} differs");
        }
    }

    private void AssertDropped(WalRecoveryMode mode, long bytes, long firstOffset)
    {
        var (_, _, dropped, first) = ReadAll(_path, mode);
        Assert.Equal(bytes, dropped);
        Assert.Equal(firstOffset, first);
    }

    private void AssertCorruption(WalRecoveryMode mode, long offset, string reason)
    {
        var e = Assert.Throws<CorruptionException>(() => ReadAll(_path, mode));
        Assert.Equal(_path, e.FilePath);
        Assert.Equal(offset, e.Offset);
        Assert.StartsWith(reason, e.Reason);
    }
}
