namespace ManagedKv.Txn.Tests.Keys;

public sealed class MemComparableTests
{
    [Fact]
    public void GoldenBytes()
    {
        Assert.Equal("0000000000000000F7", Convert.ToHexString(MemComparable.Encode([])));
        Assert.Equal("0102030000000000FA", Convert.ToHexString(MemComparable.Encode([1, 2, 3])));
        Assert.Equal("0102030405060708FF0000000000000000F7", Convert.ToHexString(MemComparable.Encode([1, 2, 3, 4, 5, 6, 7, 8])));
        Assert.Equal("0102030405060708FF0900000000000000F8", Convert.ToHexString(MemComparable.Encode([1, 2, 3, 4, 5, 6, 7, 8, 9])));
    }

    [Fact]
    public void VersionedKeyGoldenBytes()
    {
        byte[] k = MvccKey.Append(MvccKey.Encode("a"u8), 5);
        Assert.Equal("6100000000000000F8FFFFFFFFFFFFFFFA", Convert.ToHexString(k));
        Assert.True(MvccKey.TrySplit(k, out ReadOnlySpan<byte> enc, out ulong ts));
        Assert.Equal(5UL, ts);
        Assert.Equal("a"u8.ToArray(), MvccKey.DecodeUserKey(enc));
    }

    [Fact]
    public void RandomKeysRoundTripAndKeepOrderWithTimestampSuffix()
    {
        int seed = Environment.TickCount;
        var rnd = new Random(seed);
        var keys = new List<byte[]>();
        for (int i = 0; i < 2000; i++)
        {
            var k = new byte[rnd.Next(0, 20)];
            for (int j = 0; j < k.Length; j++)
            {
                // Small alphabet with 0x00 and 0xFF to stress padding and markers.
                k[j] = (byte)(rnd.Next(4) switch { 0 => 0, 1 => 0xFF, 2 => 0xF7, _ => rnd.Next(256) });
            }
            keys.Add(k);
        }
        foreach (byte[] a in keys)
        {
            byte[] ea = MemComparable.Encode(a);
            Assert.True(MemComparable.TryDecode(ea, out byte[]? back, out int consumed), $"seed {seed}");
            Assert.Equal(ea.Length, consumed);
            Assert.Equal(a, back);
        }
        for (int i = 0; i + 1 < keys.Count; i++)
        {
            byte[] a = keys[i];
            byte[] b = keys[i + 1];
            int raw = Math.Sign(a.AsSpan().SequenceCompareTo(b));
            byte[] va = MvccKey.Append(MemComparable.Encode(a), (ulong)rnd.NextInt64());
            byte[] vb = MvccKey.Append(MemComparable.Encode(b), (ulong)rnd.NextInt64());
            int enc = Math.Sign(MemComparable.Encode(a).AsSpan().SequenceCompareTo(MemComparable.Encode(b)));
            Assert.True(raw == enc, $"seed {seed}: order of {Convert.ToHexString(a)} vs {Convert.ToHexString(b)}");
            if (raw != 0)
            {
                Assert.True(raw == Math.Sign(va.AsSpan().SequenceCompareTo(vb)), $"seed {seed}: suffix changed the order");
            }
        }
    }

    [Fact]
    public void NewerVersionsSortFirst()
    {
        byte[] enc = MvccKey.Encode("k"u8);
        byte[] v10 = MvccKey.Append(enc, 10);
        byte[] v9 = MvccKey.Append(enc, 9);
        Assert.True(v10.AsSpan().SequenceCompareTo(v9) < 0);
    }

    [Theory]
    [InlineData("0102030000000000F6")] // marker below 0xF7
    [InlineData("0102030000000100FA")] // non-zero padding
    [InlineData("0102030405060708FF")] // no terminating group
    [InlineData("01020300")] // truncated
    public void DecodeRejectsMalformedEncodings(string hex)
    {
        Assert.False(MemComparable.TryDecode(Convert.FromHexString(hex), out _, out _));
    }

    [Fact]
    public void TimestampParts()
    {
        ulong ts = TimeStamp.Compose(1_700_000_000_000, 7);
        Assert.Equal(1_700_000_000_000, TimeStamp.Physical(ts));
        Assert.Equal(7, TimeStamp.Logical(ts));
        Assert.True(TimeStamp.IsExpired(TimeStamp.Compose(1000, 0), 100, TimeStamp.Compose(1101, 0)));
        Assert.False(TimeStamp.IsExpired(TimeStamp.Compose(1000, 0), 100, TimeStamp.Compose(1100, 5)));
    }
}
