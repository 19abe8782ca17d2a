using ManagedKv.Lsm.Keys;

namespace ManagedKv.Lsm.Tests.Table;

/// <summary>Index separators: start &lt;= separator &lt; limit, never longer than start, as short as RocksDB's rule makes them.</summary>
public sealed class SeparatorTests
{
    private static byte[] Separator(byte[] start, byte[] limit)
    {
        var destination = new byte[start.Length];
        int n = BytewiseComparator.FindShortestSeparator(start, limit, destination);
        return destination[..n];
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3, 4 }, new byte[] { 1, 5 }, new byte[] { 1, 3 })]           // a byte between
    [InlineData(new byte[] { 1, 2, 9, 9 }, new byte[] { 1, 3, 0, 0 }, new byte[] { 1, 3 })]     // a prefix of limit
    [InlineData(new byte[] { 1, 2, 9, 9 }, new byte[] { 1, 3 }, new byte[] { 1, 2, 10 })]      // limit ends at b + 1
    [InlineData(new byte[] { 1, 2, 0xFF, 7 }, new byte[] { 1, 3 }, new byte[] { 1, 2, 0xFF, 8 })]
    [InlineData(new byte[] { 1, 2, 0xFF }, new byte[] { 1, 3 }, new byte[] { 1, 2, 0xFF })]    // nothing to increment
    [InlineData(new byte[] { 1, 2 }, new byte[] { 1, 2, 5 }, new byte[] { 1, 2 })]             // start is a prefix
    [InlineData(new byte[] { 5 }, new byte[] { 3 }, new byte[] { 5 })]                          // not ordered: start
    public void KnownCases(byte[] start, byte[] limit, byte[] expected) => Assert.Equal(expected, Separator(start, limit));

    [Fact]
    public void DbBenchKeysOfAdjacentBlocksGetAnEightByteSeparator()
    {
        // 8-byte big-endian key number padded with '0' to 16 bytes: consecutive numbers differ in their last byte.
        byte[] Key(ulong n)
        {
            var k = new byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(k, n);
            k.AsSpan(8).Fill((byte)'0');
            return k;
        }
        Assert.Equal(8, Separator(Key(1234), Key(1235)).Length);
    }

    [Fact]
    public void RandomPairsStayInRange()
    {
        int seed = Environment.TickCount;
        var rnd = new Random(seed);
        for (int i = 0; i < 100_000; i++)
        {
            byte[] a = RandomKey(rnd);
            byte[] b = RandomKey(rnd);
            if (a.AsSpan().SequenceCompareTo(b) >= 0)
            {
                (a, b) = (b, a);
            }
            if (a.AsSpan().SequenceEqual(b))
            {
                continue;
            }
            byte[] s = Separator(a, b);
            Assert.True(a.AsSpan().SequenceCompareTo(s) <= 0, $"seed {seed}: separator below start");
            Assert.True(s.AsSpan().SequenceCompareTo(b) < 0, $"seed {seed}: separator not below limit");
            Assert.True(s.Length <= a.Length, $"seed {seed}: separator longer than start");
        }
    }

    // Short keys over a small alphabet with 0xFF and boundary bytes, so shared prefixes and carries are common.
    private static byte[] RandomKey(Random rnd)
    {
        ReadOnlySpan<byte> alphabet = [0, 1, 2, 0x7F, 0x80, 0xFE, 0xFF];
        var k = new byte[rnd.Next(0, 6)];
        for (int i = 0; i < k.Length; i++)
        {
            k[i] = alphabet[rnd.Next(alphabet.Length)];
        }
        return k;
    }
}
