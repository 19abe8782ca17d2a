using System.Buffers;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Memtable;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm.Tests.Memtable;

public sealed class MemTableTests
{
    [Fact]
    public void GetSeesTheNewestVersionAtASnapshot()
    {
        var memTable = new MemTable(1);
        memTable.Add(10, ValueType.Value, "k"u8, "v10"u8);
        memTable.Add(20, ValueType.Deletion, "k"u8, []);
        memTable.Add(30, ValueType.Value, "k"u8, "v30"u8);
        memTable.Add(15, ValueType.Value, "j"u8, "j15"u8);
        var sink = new ArrayBufferWriter<byte>();
        Assert.Equal(LookupResult.NotFound, memTable.Get("k"u8, 9, sink));
        Assert.Equal(LookupResult.Found, memTable.Get("k"u8, 10, sink));
        Assert.Equal("v10"u8.ToArray(), sink.WrittenSpan.ToArray());
        Assert.Equal(LookupResult.Found, memTable.Get("k"u8, 19, null));
        Assert.Equal(LookupResult.Deleted, memTable.Get("k"u8, 20, sink));
        Assert.Equal(LookupResult.Deleted, memTable.Get("k"u8, 29, sink));
        sink.Clear();
        Assert.Equal(LookupResult.Found, memTable.Get("k"u8, ulong.MaxValue, sink));
        Assert.Equal("v30"u8.ToArray(), sink.WrittenSpan.ToArray());
        Assert.Equal(LookupResult.NotFound, memTable.Get("kk"u8, 100, sink));
        Assert.Equal(LookupResult.NotFound, memTable.Get("i"u8, 100, sink));
        Assert.Equal(LookupResult.NotFound, memTable.Get(""u8, 100, sink));
        Assert.Equal(LookupResult.NotFound, memTable.Get("j"u8, 14, sink));
        Assert.Equal(4UL, memTable.NumEntries);
        Assert.Equal(1UL, memTable.NumDeletes);
        Assert.Equal(10UL, memTable.FirstSequence);
        Assert.Equal(30UL, memTable.LargestSequence);
        Assert.True(memTable.Unref());
    }

    [Fact]
    public void EmptyMemTable()
    {
        var memTable = new MemTable(1);
        Assert.True(memTable.IsEmpty);
        Assert.Equal(0UL, memTable.FirstSequence);
        Assert.Equal(0UL, memTable.LargestSequence);
        Assert.Equal(LookupResult.NotFound, memTable.Get("a"u8, 5, null));
        using (IInternalIterator it = memTable.NewIterator())
        {
            it.SeekToFirst();
            Assert.False(it.Valid);
            it.SeekToLast();
            Assert.False(it.Valid);
            it.Seek(InternalKey.Create("a"u8, 1, ValueType.Value));
            Assert.False(it.Valid);
            it.SeekForPrev(InternalKey.Create("a"u8, 1, ValueType.Value));
            Assert.False(it.Valid);
        }
        Assert.Null(memTable.NewRangeTombstoneIterator());
        Assert.True(memTable.Unref());
    }

    [Fact]
    public void LargeValuesAndKeysRoundTrip()
    {
        var memTable = new MemTable(1);
        var key = new byte[70_000];
        var value = new byte[3 << 20];
        new Random(1).NextBytes(key);
        new Random(2).NextBytes(value);
        memTable.Add(1, ValueType.Value, key, value);
        memTable.Add(2, ValueType.Value, "small"u8, "v"u8);
        var sink = new ArrayBufferWriter<byte>();
        Assert.Equal(LookupResult.Found, memTable.Get(key, 5, sink));
        Assert.True(value.AsSpan().SequenceEqual(sink.WrittenSpan));
        Assert.True(memTable.MemoryUsage >= value.Length + key.Length);
        Assert.True(memTable.ApproximateMemoryUsage >= value.Length + key.Length);
        memTable.Unref();
    }

    [Fact]
    public void RangeTombstonesAreKeptApartFromPointEntries()
    {
        var memTable = new MemTable(1);
        memTable.Add(1, ValueType.Value, "b"u8, "vb"u8);
        memTable.Add(2, ValueType.RangeDeletion, "a"u8, "c"u8);
        memTable.Add(3, ValueType.RangeDeletion, "x"u8, "z"u8);
        Assert.Equal(LookupResult.Found, memTable.Get("b"u8, 5, null));
        Assert.Equal(3UL, memTable.NumEntries);
        Assert.Equal(2UL, memTable.NumRangeDeletes);
        Assert.Equal(0UL, memTable.NumDeletes);
        using (IInternalIterator points = memTable.NewIterator())
        {
            points.SeekToFirst();
            Assert.Equal("b"u8.ToArray(), InternalKey.UserKey(points.Key).ToArray());
            points.Next();
            Assert.False(points.Valid);
        }
        using (IInternalIterator ranges = memTable.NewRangeTombstoneIterator()!)
        {
            ranges.SeekToFirst();
            Assert.Equal(InternalKey.Create("a"u8, 2, ValueType.RangeDeletion), ranges.Key.ToArray());
            Assert.Equal("c"u8.ToArray(), ranges.Value.ToArray());
            ranges.Next();
            Assert.Equal(InternalKey.Create("x"u8, 3, ValueType.RangeDeletion), ranges.Key.ToArray());
            Assert.Equal("z"u8.ToArray(), ranges.Value.ToArray());
            ranges.Next();
            Assert.False(ranges.Valid);
        }
        memTable.Unref();
    }

    [Fact]
    public void DuplicateInternalKeyIsRejected()
    {
        var memTable = new MemTable(1);
        memTable.Add(5, ValueType.Value, "k"u8, "a"u8);
        Assert.Throws<InvalidOperationException>(() => memTable.Add(5, ValueType.Value, "k"u8, "b"u8));
        Assert.Throws<ArgumentException>(() => memTable.Add(6, (ValueType)7, "k"u8, "b"u8));
        Assert.Throws<ArgumentException>(() => memTable.Add(SequenceNumber.Max + 1, ValueType.Value, "k"u8, "b"u8));
        memTable.Unref();
    }

    [Fact]
    public void IteratorHoldsTheMemTableUntilDisposed()
    {
        var pool = new ArenaChunkPool(64 * 1024, maxRetainedBytes: 1L << 30);
        var memTable = new MemTable(3, new MemTableOptions { ChunkPool = pool });
        for (int i = 0; i < 2000; i++)
        {
            memTable.Add((ulong)i + 1, ValueType.Value, BitConverter.GetBytes(i), new byte[100]);
        }
        long held = memTable.MemoryUsage;
        Assert.True(held >= 3 * 64 * 1024);
        Assert.True(memTable.ApproximateMemoryUsage <= held);
        Assert.True(memTable.ApproximateMemoryUsage >= 2000 * 100);
        IInternalIterator it = memTable.NewIterator();
        Assert.False(memTable.Unref());          // the iterator's reference keeps it alive
        Assert.Equal(0, pool.RetainedBytes);
        it.SeekToFirst();
        Assert.True(it.Valid);
        it.Dispose();                            // last reference: chunks go back to the pool
        Assert.Equal(held, pool.RetainedBytes);
        it.Dispose();
        Assert.Throws<ObjectDisposedException>(() => it.SeekToFirst());
        Assert.Throws<InvalidOperationException>(() => memTable.Ref());
    }

    [Fact]
    public void SeekForPrevLandsOnEqualOrPredecessor()
    {
        var memTable = new MemTable(1);
        memTable.Add(5, ValueType.Value, "b"u8, "b5"u8);
        memTable.Add(3, ValueType.Value, "b"u8, "b3"u8);
        memTable.Add(4, ValueType.Value, "d"u8, "d4"u8);
        using IInternalIterator it = memTable.NewIterator();
        it.SeekForPrev(InternalKey.Create("b"u8, 3, ValueType.Value));
        Assert.Equal("b3"u8.ToArray(), it.Value.ToArray());
        it.SeekForPrev(InternalKey.Create("b"u8, 4, ValueTypes.ForSeek));
        Assert.Equal("b5"u8.ToArray(), it.Value.ToArray());
        it.SeekForPrev(InternalKey.Create("c"u8, 0, ValueType.Deletion));
        Assert.Equal("b3"u8.ToArray(), it.Value.ToArray());
        it.SeekForPrev(InternalKey.Create("a"u8, 9, ValueType.Value));
        Assert.False(it.Valid);
        it.SeekForPrev(InternalKey.Create("z"u8, 0, ValueType.Value));
        Assert.Equal("d4"u8.ToArray(), it.Value.ToArray());
        it.Prev();
        Assert.Equal("b3"u8.ToArray(), it.Value.ToArray());
        it.Prev();
        Assert.Equal("b5"u8.ToArray(), it.Value.ToArray());
        it.Prev();
        Assert.False(it.Valid);
        memTable.Unref();
    }

    [Fact]
    public void AddAndGetAllocateNothingPerOperation()
    {
        const int Count = 100_000;
        var pool = new ArenaChunkPool(ArenaChunkPool.DefaultChunkSize, maxRetainedBytes: 1L << 30);
        var options = new MemTableOptions { ChunkPool = pool };
        var keys = new byte[Count * 16];
        new Random(11).NextBytes(keys);
        var value = new byte[100];

        // Warm the pool with enough chunks, and the JIT.
        var warm = new MemTable(1, options);
        Fill(warm, keys, value, Count);
        var sink = new FixedSink(256);
        GetAll(warm, keys, Count, sink);
        warm.Unref();

        var memTable = new MemTable(2, options);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Fill(memTable, keys, value, Count);
        long afterAdd = GC.GetAllocatedBytesForCurrentThread();
        int found = GetAll(memTable, keys, Count, sink);
        long afterGet = GC.GetAllocatedBytesForCurrentThread();
        memTable.Unref();

        Assert.Equal(Count, found);
        double addBytesPerOp = (afterAdd - before) / (double)Count;
        double getBytesPerOp = (afterGet - afterAdd) / (double)Count;
        // The arena's chunk list grows a few times (amortized); nothing else allocates.
        Assert.True(addBytesPerOp < 1.0, $"Add allocated {addBytesPerOp:F3} bytes/op");
        Assert.True(getBytesPerOp < 0.01, $"Get allocated {getBytesPerOp:F3} bytes/op");
    }

    private static void Fill(MemTable memTable, byte[] keys, byte[] value, int count)
    {
        for (int i = 0; i < count; i++)
        {
            memTable.Add((ulong)i + 1, ValueType.Value, keys.AsSpan(i * 16, 16), value);
        }
    }

    private static int GetAll(MemTable memTable, byte[] keys, int count, FixedSink sink)
    {
        int found = 0;
        for (int i = 0; i < count; i++)
        {
            sink.Reset();
            if (memTable.Get(keys.AsSpan(i * 16, 16), ulong.MaxValue, sink) == LookupResult.Found)
            {
                found++;
            }
        }
        return found;
    }

    /// <summary>A reusable value sink that never allocates after construction.</summary>
    private sealed class FixedSink(int capacity) : IBufferWriter<byte>
    {
        private readonly byte[] _buffer = new byte[capacity];
        private int _written;

        public void Reset() => _written = 0;

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => _buffer.AsMemory(_written);

        public Span<byte> GetSpan(int sizeHint = 0) => _buffer.AsSpan(_written);
    }

    [Fact]
    public void KeysWithEqualPrefixesOrderBytewise()
    {
        var memTable = new MemTable(1);
        byte[][] keys = [[], [0], [0, 0], [1], [0xFF], [0xFF, 0xFF], [0x7F, 0x80]];
        ulong seq = 1;
        foreach (byte[] key in keys)
        {
            memTable.Add(seq, ValueType.Value, key, [(byte)seq]);
            seq++;
        }
        var expected = keys.OrderBy(k => k, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToList();
        using IInternalIterator it = memTable.NewIterator();
        int i = 0;
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            Assert.Equal(expected[i++], InternalKey.UserKey(it.Key).ToArray());
        }
        Assert.Equal(keys.Length, i);
        memTable.Unref();
    }
}
