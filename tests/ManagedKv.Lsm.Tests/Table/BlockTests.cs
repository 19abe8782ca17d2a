using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Tests.Table;

public sealed class BlockTests
{
    private static List<byte[]> RandomSortedKeys(Random rnd, int count)
    {
        var set = new SortedSet<byte[]>(Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)));
        string[] prefixes = ["", "a", "ab", "abc", "user/0001/", "user/0002/", "\u00ff\u00ff"];
        while (set.Count < count)
        {
            byte[] prefix = prefixes[rnd.Next(prefixes.Length)].Select(c => (byte)c).ToArray();
            var suffix = new byte[rnd.Next(0, 12)];
            for (int i = 0; i < suffix.Length; i++)
            {
                suffix[i] = (byte)rnd.Next(0, 4) switch { 0 => 0, 1 => 0xFF, _ => (byte)rnd.Next(256) };
            }
            set.Add([.. prefix, .. suffix]);
        }
        return [.. set];
    }

    private static int LowerBound(List<byte[]> keys, ReadOnlySpan<byte> target)
    {
        int lo = 0, hi = keys.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (keys[mid].AsSpan().SequenceCompareTo(target) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(16, 3)]
    [InlineData(16, 4)]
    [InlineData(1000, 5)]
    public void RandomKeysRoundTripWithSeeksBothDirections(int restartInterval, int seed)
    {
        var rnd = new Random(seed);
        List<byte[]> keys = RandomSortedKeys(rnd, rnd.Next(1, 700));
        var values = keys.Select(_ => { var v = new byte[rnd.Next(0, 40)]; rnd.NextBytes(v); return v; }).ToList();
        var builder = new BlockBuilder(restartInterval);
        for (int i = 0; i < keys.Count; i++)
        {
            builder.Add(keys[i], values[i]);
        }
        byte[] block = builder.Finish().ToArray();
        var it = new BlockIterator();
        it.Reset(block, internalKeys: false, "mem", 0);

        int n = 0;
        for (it.SeekToFirst(); it.Valid; it.Next(), n++)
        {
            Assert.True(it.Key.SequenceEqual(keys[n]), $"seed {seed}: forward key {n}");
            Assert.True(it.Value.SequenceEqual(values[n]), $"seed {seed}: forward value {n}");
        }
        Assert.Equal(keys.Count, n);
        for (it.SeekToLast(); it.Valid; it.Prev())
        {
            n--;
            Assert.True(it.Key.SequenceEqual(keys[n]), $"seed {seed}: backward key {n}");
        }
        Assert.Equal(0, n);

        for (int round = 0; round < 300; round++)
        {
            byte[] target = rnd.Next(2) == 0 ? keys[rnd.Next(keys.Count)] : RandomSortedKeys(rnd, 1)[0];
            int pos = LowerBound(keys, target);
            it.Seek(target);
            CheckAt(it, keys, pos, seed);
            int prevPos = pos < keys.Count && keys[pos].AsSpan().SequenceEqual(target) ? pos : pos - 1;
            it.SeekForPrev(target);
            CheckAt(it, keys, prevPos < 0 ? keys.Count : prevPos, seed);

            // A random walk from the seek position in both directions.
            it.Seek(target);
            int cur = pos;
            for (int step = 0; step < 20 && it.Valid; step++)
            {
                if (rnd.Next(2) == 0)
                {
                    it.Next();
                    cur++;
                }
                else
                {
                    it.Prev();
                    cur = cur == 0 ? keys.Count : cur - 1;
                }
                CheckAt(it, keys, cur, seed);
            }
        }
    }

    private static void CheckAt(BlockIterator it, List<byte[]> keys, int pos, int seed)
    {
        if (pos >= keys.Count)
        {
            Assert.False(it.Valid, $"seed {seed}: expected end");
        }
        else
        {
            Assert.True(it.Valid, $"seed {seed}: expected key {pos}");
            Assert.True(it.Key.SequenceEqual(keys[pos]), $"seed {seed}: expected key {pos}");
        }
    }

    [Fact]
    public void InternalKeyOrderPutsNewerVersionsFirst()
    {
        var builder = new BlockBuilder(4);
        var keys = new List<byte[]>();
        for (int k = 0; k < 20; k++)
        {
            for (ulong seq = 50; seq >= 10; seq -= 10)
            {
                keys.Add(InternalKey.Create([(byte)'k', (byte)k], seq, seq == 30 ? Keys.ValueType.Deletion : Keys.ValueType.Value));
            }
        }
        foreach (byte[] key in keys)
        {
            builder.Add(key, key);
        }
        var it = new BlockIterator();
        it.Reset(builder.Finish().ToArray(), internalKeys: true, "mem", 0);
        // Seeking (k5, 35) finds the newest version at or below sequence 35: (k5, 30).
        it.Seek(InternalKey.Create([(byte)'k', 5], 35, ValueTypes.ForSeek));
        Assert.True(it.Valid);
        Assert.Equal(30UL, InternalKey.Sequence(it.Key));
        Assert.Equal(Keys.ValueType.Deletion, InternalKey.Type(it.Key));
        it.SeekForPrev(InternalKey.Create([(byte)'k', 5], 35, ValueTypes.ForSeek));
        Assert.Equal(40UL, InternalKey.Sequence(it.Key));
        it.Seek(InternalKey.Create([(byte)'k', 5], 5, ValueTypes.ForSeek));
        Assert.True(InternalKey.UserKey(it.Key).SequenceEqual(new byte[] { (byte)'k', 6 }));
    }

    [Fact]
    public void EmptyBlockHasNoEntries()
    {
        var builder = new BlockBuilder(16);
        byte[] block = builder.Finish().ToArray();
        Assert.Equal(8, block.Length); // one restart point (0) and the count (1)
        var it = new BlockIterator();
        it.Reset(block, internalKeys: false, "mem", 0);
        it.SeekToFirst();
        Assert.False(it.Valid);
        it.SeekToLast();
        Assert.False(it.Valid);
        it.Seek("a"u8);
        Assert.False(it.Valid);
        it.SeekForPrev("a"u8);
        Assert.False(it.Valid);
    }

    [Fact]
    public void RestartPointsAreEveryIntervalKeys()
    {
        var builder = new BlockBuilder(3);
        for (int i = 0; i < 10; i++)
        {
            builder.Add([(byte)'a', (byte)i], []);
        }
        byte[] block = builder.Finish().ToArray();
        uint restarts = Coding.ReadFixed32(block.AsSpan(block.Length - 4));
        Assert.Equal(4u, restarts); // keys 0, 3, 6, 9
        Assert.Equal(0u, Coding.ReadFixed32(block.AsSpan(block.Length - 4 - 16)));
        // Key 1 shares 1 byte with key 0: shared=1, non_shared=1, value_length=0.
        Assert.Equal(new byte[] { 0, 2, 0, (byte)'a', 0, 1, 1, 0, 1 }, block[..9]);
    }

    [Theory]
    [InlineData(0)]      // restart count 0
    [InlineData(1000)]   // restart count larger than the block
    public void BadRestartCountIsCorruption(uint count)
    {
        var builder = new BlockBuilder(16);
        builder.Add("key"u8, "value"u8);
        byte[] block = builder.Finish().ToArray();
        Coding.WriteFixed32(block.AsSpan(block.Length - 4), count);
        var e = Assert.Throws<CorruptionException>(() => new BlockIterator().Reset(block, false, "x.sst", 4096));
        Assert.Equal("x.sst", e.FilePath);
        Assert.Equal(4096, e.Offset);
    }

    [Fact]
    public void EntryPastTheEndIsCorruption()
    {
        var builder = new BlockBuilder(16);
        builder.Add("key"u8, "value"u8);
        builder.Add("key2"u8, "value"u8);
        byte[] block = builder.Finish().ToArray();
        block[2] = 100; // value length of the first entry runs into the restart array
        var it = new BlockIterator();
        it.Reset(block, false, "y.sst", 77);
        var e = Assert.Throws<CorruptionException>(() => it.SeekToFirst());
        Assert.Equal(77, e.Offset);
    }

    [Theory]
    [InlineData(1, 11)]
    [InlineData(1, 12)]
    [InlineData(4, 13)]
    [InlineData(16, 14)]
    public void SeekWithRestartPrefixesFindsWhatAPlainSeekFinds(int restartInterval, int seed)
    {
        var rnd = new Random(seed);
        // Short keys, keys sharing 8+ byte prefixes, zero bytes (prefix padding ties) and several versions per key.
        List<byte[]> userKeys = RandomSortedKeys(rnd, rnd.Next(1, 400));
        var entries = new List<byte[]>();
        foreach (byte[] userKey in userKeys)
        {
            int versions = rnd.Next(1, 4);
            ulong seq = (ulong)rnd.Next(100, 1000);
            for (int v = 0; v < versions; v++, seq -= (ulong)rnd.Next(1, 50))
            {
                entries.Add(InternalKey.Create(userKey, seq, Keys.ValueType.Value));
            }
        }
        var builder = new BlockBuilder(restartInterval);
        foreach (byte[] e in entries)
        {
            builder.Add(e, e);
        }
        byte[] block = builder.Finish().ToArray();
        var plain = new BlockIterator();
        plain.Reset(block, internalKeys: true, "mem", 0);
        var fast = new BlockIterator();
        fast.Reset(block, internalKeys: true, "mem", 0);
        ulong[] prefixes = fast.RestartKeyPrefixes()!;
        fast.SetRestartPrefixes(prefixes);
        for (int i = 0; i < 2000; i++)
        {
            byte[] target;
            if (rnd.Next(2) == 0)
            {
                byte[] userKey = userKeys[rnd.Next(userKeys.Count)];
                target = InternalKey.Create(userKey[..rnd.Next(userKey.Length + 1)], (ulong)rnd.Next(0, 1100), ValueTypes.ForSeek);
            }
            else
            {
                target = InternalKey.Create(RandomSortedKeys(rnd, 1)[0], (ulong)rnd.Next(0, 1100), ValueTypes.ForSeek);
            }
            plain.Seek(target);
            fast.Seek(target);
            Assert.True(plain.Valid == fast.Valid, $"seed {seed}: validity differs at target {Convert.ToHexString(target)}");
            if (plain.Valid)
            {
                Assert.True(plain.Key.SequenceEqual(fast.Key), $"seed {seed}: seek of {Convert.ToHexString(target)} found {Convert.ToHexString(fast.Key)}, expected {Convert.ToHexString(plain.Key)}");
            }
        }
        Assert.Throws<ArgumentException>(() => fast.SetRestartPrefixes(new ulong[prefixes.Length + 1]));
    }

    [Theory]
    [InlineData(1, 21)]
    [InlineData(3, 22)]
    [InlineData(16, 23)]
    [InlineData(16, 24)]
    [InlineData(1000, 25)]
    public void DirectionChangesReturnTheModelsEntries(int restartInterval, int seed)
    {
        // Runs of Prev and Next of random lengths (the backward cache spans restart intervals, then forward steps
        // rebuild keys from a cached key), with long keys now and then so the key buffers grow mid-walk.
        var rnd = new Random(seed);
        List<byte[]> keys = RandomSortedKeys(rnd, rnd.Next(1, 500));
        for (int i = 0; i < keys.Count; i += rnd.Next(1, 60))
        {
            keys[i] = [.. keys[i], .. Enumerable.Repeat((byte)7, rnd.Next(100, 700))];
        }
        keys = [.. keys.Distinct(ByteArrayComparer.Instance).Order(Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)))];
        var values = keys.Select(_ => { var v = new byte[rnd.Next(0, 40)]; rnd.NextBytes(v); return v; }).ToList();
        var builder = new BlockBuilder(restartInterval);
        for (int i = 0; i < keys.Count; i++)
        {
            builder.Add(keys[i], values[i]);
        }
        byte[] block = builder.Finish().ToArray();
        var it = new BlockIterator();
        it.Reset(block, internalKeys: false, "mem", 0);
        for (int round = 0; round < 200; round++)
        {
            int cur = rnd.Next(keys.Count);
            it.Seek(keys[cur]);
            while (cur < keys.Count && cur >= 0)
            {
                Assert.True(it.Valid, $"seed {seed}: expected key {cur}");
                Assert.True(it.Key.SequenceEqual(keys[cur]), $"seed {seed}: key {cur}");
                Assert.True(it.Value.SequenceEqual(values[cur]), $"seed {seed}: value {cur}");
                bool forward = rnd.Next(2) == 0;
                int run = rnd.Next(1, 40);
                for (int step = 0; step < run && cur >= 0 && cur < keys.Count; step++)
                {
                    if (forward)
                    {
                        it.Next();
                        cur++;
                    }
                    else
                    {
                        it.Prev();
                        cur--;
                    }
                    if (cur >= 0 && cur < keys.Count)
                    {
                        Assert.True(it.Key.SequenceEqual(keys[cur]), $"seed {seed}: key {cur} after a {(forward ? "forward" : "backward")} step");
                        Assert.True(it.Value.SequenceEqual(values[cur]), $"seed {seed}: value {cur}");
                    }
                }
                if (rnd.Next(8) == 0)
                {
                    break;
                }
            }
            if (cur < 0 || cur >= keys.Count)
            {
                Assert.False(it.Valid, $"seed {seed}: expected the end");
            }
        }
    }

    [Fact]
    public void RestartPointInsideAnEntryIsCorruptionWhenSteppingBack()
    {
        var builder = new BlockBuilder(2);
        for (int i = 0; i < 6; i++)
        {
            builder.Add([(byte)'k', (byte)i], "value"u8);
        }
        byte[] block = builder.Finish().ToArray();
        // Restart array: 3 offsets then the count. Move the second restart point one byte into its entry.
        int restarts = block.Length - 4 - (3 * 4);
        uint second = Coding.ReadFixed32(block.AsSpan(restarts + 4));
        Coding.WriteFixed32(block.AsSpan(restarts + 4), second + 1);
        var it = new BlockIterator();
        it.Reset(block, false, "z.sst", 99);
        it.SeekToLast();
        it.Prev(); // within the last restart interval
        Assert.True(it.Key.SequenceEqual(new byte[] { (byte)'k', 4 }));
        var e = Assert.Throws<CorruptionException>(() => it.Prev());
        Assert.Equal(99, e.Offset);
    }

    [Fact]
    public void KeyPrefixIsMonotoneWithBytewiseOrder()
    {
        byte[][] keys = [[], [0], [0, 0], [0, 1], [1], [1, 0, 0, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0, 5], [1, 0, 0, 0, 0, 0, 0, 1], [0xff], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]];
        for (int i = 1; i < keys.Length; i++)
        {
            Assert.True(keys[i - 1].AsSpan().SequenceCompareTo(keys[i]) < 0);
            Assert.True(BlockIterator.KeyPrefix(keys[i - 1]) <= BlockIterator.KeyPrefix(keys[i]));
        }
        Assert.Equal(0x0102000000000000UL, BlockIterator.KeyPrefix([1, 2]));
    }
}
