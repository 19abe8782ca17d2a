using ManagedKv.Lsm.Table;
using System.Buffers.Binary;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Tests.Filter;

public sealed class BloomFilterTests
{
    private static byte[] Key(int i, int salt)
    {
        var key = new byte[12];
        BinaryPrimitives.WriteInt32LittleEndian(key, i);
        BinaryPrimitives.WriteInt32LittleEndian(key.AsSpan(4), salt);
        BinaryPrimitives.WriteInt32LittleEndian(key.AsSpan(8), i * 31);
        return key;
    }

    private static BloomFilterReader Build(double bitsPerKey, int keys, int salt)
    {
        BloomFilterBuilder builder = new BloomFilterPolicy(bitsPerKey).NewBuilder();
        for (int i = 0; i < keys; i++)
        {
            builder.AddKey(Key(i, salt));
        }
        return BloomFilterReader.Create(builder.Finish(), "mem", 0);
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(3, 1000)]
    [InlineData(10, 1)]
    [InlineData(10, 100_000)]
    [InlineData(20, 5000)]
    public void HasNoFalseNegatives(double bitsPerKey, int keys)
    {
        BloomFilterReader filter = Build(bitsPerKey, keys, 1);
        for (int i = 0; i < keys; i++)
        {
            Assert.True(filter.KeyMayMatch(Key(i, 1)), $"key {i} of {keys} at {bitsPerKey} bits/key");
        }
    }

    [Fact]
    public void FalsePositiveRateAtTenBitsPerKeyIsWithinTwentyPercentOfTheory()
    {
        const int keys = 100_000;
        const int probes = 400_000;
        var policy = new BloomFilterPolicy(10);
        BloomFilterReader filter = Build(10, keys, 1);
        int falsePositives = 0;
        for (int i = 0; i < probes; i++)
        {
            if (filter.KeyMayMatch(Key(i, 2)))
            {
                falsePositives++;
            }
        }
        double measured = (double)falsePositives / probes;
        // Standard bloom filter: (1 - e^(-k n / m))^k with k probes and m / n = 10 bits per key.
        double theory = Math.Pow(1 - Math.Exp(-policy.NumProbes / 10.0), policy.NumProbes);
        Assert.Equal(6, policy.NumProbes);
        Assert.True(Math.Abs(measured - theory) <= 0.2 * theory, $"measured {measured:P3}, theory {theory:P3}");
        // The filter spends about 10 bits per key.
        Assert.InRange(filter.MemoryUsage, keys * 10 / 8, (keys * 10 / 8) + 64 + BloomFilterBuilder.MetadataSize);
    }

    [Fact]
    public void EmptyFilterMatchesNothing()
    {
        BloomFilterReader filter = Build(10, 0, 1);
        Assert.False(filter.KeyMayMatch("anything"u8));
        Assert.Equal(BloomFilterBuilder.MetadataSize, filter.MemoryUsage);
    }

    [Fact]
    public void ConsecutiveDuplicateKeysCountOnce()
    {
        BloomFilterBuilder builder = new BloomFilterPolicy(10).NewBuilder();
        builder.AddKey("a"u8);
        builder.AddKey("a"u8);
        builder.AddKey("b"u8);
        Assert.Equal(2, builder.NumKeys);
    }

    [Fact]
    public void CachedFilterQueryAgreesWithReader()
    {
        BloomFilterBuilder builder = new BloomFilterPolicy(7.5).NewBuilder();
        for (int i = 0; i < 3000; i++)
        {
            builder.AddKey(Key(i, 5));
        }
        byte[] block = builder.Finish();
        BloomFilterReader reader = BloomFilterReader.Create(block, "mem", 0);
        for (int i = 0; i < 6000; i++)
        {
            byte[] key = Key(i, i < 3000 ? 5 : 6);
            Assert.Equal(reader.KeyMayMatch(key), BloomFilterReader.MayMatch(block, BloomFilterBuilder.Hash(key), "mem", 0));
        }
    }

    [Fact]
    public void BadMetadataIsCorruption()
    {
        byte[] block = new BloomFilterPolicy(10).NewBuilder().Finish();
        Assert.Throws<CorruptionException>(() => BloomFilterReader.Create(block[..3], "f.sst", 10));
        BloomFilterBuilder builder = new BloomFilterPolicy(10).NewBuilder();
        builder.AddKey("k"u8);
        block = builder.Finish();
        Coding.WriteFixed32(block.AsSpan(block.Length - 4), 7); // line count disagrees with the length
        var e = Assert.Throws<CorruptionException>(() => BloomFilterReader.Create(block, "f.sst", 10));
        Assert.Equal(10, e.Offset);
        block[^5] = 0; // zero probes
        Assert.Throws<CorruptionException>(() => BloomFilterReader.MayMatch(block, 1, "f.sst", 10));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(101)]
    [InlineData(double.NaN)]
    public void PolicyRejectsBadBitsPerKey(double bits) => Assert.Throws<ArgumentException>(() => new BloomFilterPolicy(bits));
}
