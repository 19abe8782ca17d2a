namespace ManagedKv.Txn.Tests.Mvcc;

public sealed class RecordFormatTests
{
    [Fact]
    public void LockGoldenBytes()
    {
        var l = new Lock(LockType.Put, "pk"u8.ToArray(), 10, 3000) { ShortValue = "v"u8.ToArray(), MinCommitTs = 11 };
        Assert.Equal("5002706B0AB817760176630B", Convert.ToHexString(l.Encode()));
    }

    [Fact]
    public void WriteGoldenBytes()
    {
        Assert.Equal("500A760176", Convert.ToHexString(new Write(WriteType.Put, 10, "v"u8.ToArray()).Encode()));
        Assert.Equal("520770", Convert.ToHexString(Write.Rollback(7, isProtected: true).Encode()));
        Assert.Equal("440952", Convert.ToHexString(new Write(WriteType.Delete, 9) { HasOverlappedRollback = true }.Encode()));
    }

    [Fact]
    public void LockWithEveryFieldRoundTrips()
    {
        var l = new Lock(LockType.Pessimistic, [1, 2], ulong.MaxValue - 3, 20_000)
        {
            ShortValue = new byte[255],
            ForUpdateTs = 77,
            TxnSize = 1000,
            MinCommitTs = 78,
            UseAsyncCommit = true,
            Secondaries = [[9], [], [8, 8]],
            RollbackTs = [5, 6],
        };
        byte[] enc = l.Encode();
        Assert.Equal(l.EncodedLength, enc.Length);
        Lock d = Lock.Decode(enc, default);
        Assert.Equal(l.Type, d.Type);
        Assert.Equal(l.Primary, d.Primary);
        Assert.Equal(l.StartTs, d.StartTs);
        Assert.Equal(l.Ttl, d.Ttl);
        Assert.Equal(l.ShortValue, d.ShortValue);
        Assert.Equal(l.ForUpdateTs, d.ForUpdateTs);
        Assert.Equal(l.TxnSize, d.TxnSize);
        Assert.Equal(l.MinCommitTs, d.MinCommitTs);
        Assert.True(d.UseAsyncCommit);
        Assert.Equal(l.Secondaries, d.Secondaries);
        Assert.Equal(l.RollbackTs, d.RollbackTs);
        Assert.Equal(enc, d.Encode());
    }

    [Fact]
    public void AsyncCommitLockWithoutSecondariesKeepsTheFlag()
    {
        var l = new Lock(LockType.Put, [1], 5, 10) { UseAsyncCommit = true };
        Assert.True(Lock.Decode(l.Encode(), default).UseAsyncCommit);
    }

    [Theory]
    [InlineData("")] // empty
    [InlineData("5A00050A")] // unknown type 'Z'
    [InlineData("500A")] // primary length 10 past the end
    [InlineData("5000058A")] // truncated ttl varint
    [InlineData("50000505")] // missing nothing but then...
    public void MalformedLocksAreRejected(string hex)
    {
        byte[] bytes = Convert.FromHexString(hex);
        if (hex == "50000505")
        {
            // A complete minimal lock decodes; append an unknown tag to make it a newer-format record.
            Assert.Equal(5UL, Lock.Decode(bytes, default).Ttl);
            bytes = [.. bytes, (byte)'Z'];
        }
        MvccFormatException e = Assert.Throws<MvccFormatException>(() => Lock.Decode(bytes, [0xAB]));
        Assert.Equal("lock", e.ColumnFamily);
        Assert.Equal([0xAB], e.Key);
    }

    [Theory]
    [InlineData("")]
    [InlineData("58")] // unknown type
    [InlineData("50")] // missing start_ts
    [InlineData("500A7605")] // short value length past the end
    [InlineData("500A5252")] // duplicate tag
    [InlineData("500A7A")] // unknown tag
    public void MalformedWritesAreRejected(string hex)
    {
        MvccFormatException e = Assert.Throws<MvccFormatException>(() => Write.Decode(Convert.FromHexString(hex), [1]));
        Assert.Equal("write", e.ColumnFamily);
    }

    [Fact]
    public void WriteBatchRoundTripsThroughItsEncoding()
    {
        var b = new KvWriteBatch(4);
        b.Put(EngineCf.Write, [1, 2], [3]);
        b.Delete(EngineCf.Lock, [4]);
        b.Put(EngineCf.Raw, new byte[300], new byte[1000]);
        Assert.Equal("0102020102010302010104", Convert.ToHexString(b.Data[..11]));
        KvWriteBatch c = KvWriteBatch.FromData(b.Data);
        Assert.Equal(3, c.Count);
        var e = c.GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.Equal(EngineCf.Write, e.Current.Cf);
        Assert.True(e.MoveNext());
        Assert.Equal(KvModifyOp.Delete, e.Current.Op);
        Assert.True(e.MoveNext());
        Assert.Equal(1000, e.Current.Value.Length);
        Assert.False(e.MoveNext());
        Assert.Throws<MvccFormatException>(() => KvWriteBatch.FromData(b.Data[..^1]));
    }

    [Fact]
    public void WriteBatchDeleteRangeEncodingIsPinned()
    {
        var b = new KvWriteBatch();
        b.DeleteRange(EngineCf.Raw, [0x61], [0x63, 0x64]);
        Assert.Equal("030301610263" + "64", Convert.ToHexString(b.Data));
        var e = KvWriteBatch.FromData(b.Data).GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.Equal(KvModifyOp.DeleteRange, e.Current.Op);
        Assert.Equal([0x61], e.Current.Key.ToArray());
        Assert.Equal([0x63, 0x64], e.Current.Value.ToArray());
        Assert.Throws<ArgumentException>(() => b.DeleteRange(EngineCf.Raw, [2], [1]));
        // A reversed range read back from bytes is corrupt, never applied.
        Assert.Throws<MvccFormatException>(() => KvWriteBatch.FromData(Convert.FromHexString("0303016201" + "61")));
    }

    [Fact]
    public void WriteBatchDeleteRangeAppliesAtomicallyWithTheRestOfTheBatch()
    {
        using var t = new TxnTestContext();
        var fill = new KvWriteBatch();
        for (int i = 0; i < 10; i++)
        {
            fill.Put(EngineCf.Raw, [(byte)i], [1]);
        }
        t.Engine.Write(fill);
        using IKvSnapshot before = t.Engine.GetSnapshot();
        var b = new KvWriteBatch();
        b.DeleteRange(EngineCf.Raw, [2], [7]);
        b.Put(EngineCf.Raw, [4], [2]); // later in the batch: survives the range delete before it
        b.Put(EngineCf.Lock, [9], [9]);
        t.Engine.Write(b);
        Assert.Equal([0, 1, 4, 7, 8, 9], Keys(t.Engine, EngineCf.Raw));
        Assert.Equal(10, Keys(before, EngineCf.Raw).Count);
        Assert.Equal([9], Keys(t.Engine, EngineCf.Lock));
    }

    private static List<byte> Keys(IKvEngine engine, EngineCf cf)
    {
        using IKvSnapshot s = engine.GetSnapshot();
        return Keys(s, cf);
    }

    private static List<byte> Keys(IKvSnapshot s, EngineCf cf)
    {
        var keys = new List<byte>();
        using IKvCursor c = s.NewCursor(cf);
        for (c.SeekToFirst(); c.Valid; c.Next())
        {
            keys.Add(c.Key[0]);
        }
        return keys;
    }
}
