using System.Buffers.Binary;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Memtable;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm.Tests.Memtable;

/// <summary>Concurrent inserts from several threads while readers scan and look up without locks.</summary>
public sealed class MemTableConcurrencyTests
{
    private const int Writers = 4;

    [Fact]
    public void ConcurrentInsertsKeepOrderAndContent()
    {
        int perWriter = Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1" ? 500_000 : 40_000;
        int seed = Environment.TickCount;
        var memTable = new MemTable(7);
        try
        {
            using var start = new Barrier(Writers + 2);
            var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            int writersDone = 0;
            var threads = new List<Thread>();
            for (int t = 0; t < Writers; t++)
            {
                int writer = t;
                threads.Add(new Thread(() =>
                {
                    try
                    {
                        start.SignalAndWait();
                        Span<byte> key = stackalloc byte[8];
                        Span<byte> value = stackalloc byte[16];
                        var random = new Random(seed + writer);
                        for (int i = 0; i < perWriter; i++)
                        {
                            // Sequence numbers interleave across writers; keys collide across writers on purpose.
                            ulong sequence = (ulong)(i * Writers + writer + 1);
                            BinaryPrimitives.WriteUInt64BigEndian(key, (ulong)random.Next(perWriter));
                            ValueFor(sequence, value);
                            memTable.Add(sequence, sequence % 10 == 0 ? ValueType.Deletion : ValueType.Value, key, sequence % 10 == 0 ? [] : value);
                        }
                    }
                    catch (Exception e)
                    {
                        failures.Enqueue(e);
                    }
                    finally
                    {
                        Interlocked.Increment(ref writersDone);
                    }
                }));
            }
            // Readers: scans must always be strictly ordered and every entry intact, even mid-insert.
            for (int r = 0; r < 2; r++)
            {
                bool backward = r == 1;
                threads.Add(new Thread(() =>
                {
                    try
                    {
                        if (!backward)
                        {
                            start.SignalAndWait();
                        }
                        while (Volatile.Read(ref writersDone) < Writers)
                        {
                            ScanAndVerify(memTable, backward);
                        }
                    }
                    catch (Exception e)
                    {
                        failures.Enqueue(e);
                    }
                }));
            }
            threads.ForEach(t => t.Start());
            start.SignalAndWait();
            threads.ForEach(t => t.Join());
            Assert.True(failures.IsEmpty, $"seed {seed}: {string.Join("\n", failures)}");

            Assert.Equal((ulong)(Writers * perWriter), memTable.NumEntries);
            Assert.Equal(1UL, memTable.FirstSequence);
            Assert.Equal((ulong)(Writers * perWriter), memTable.LargestSequence);
            int count = ScanAndVerify(memTable, backward: false);
            Assert.Equal(Writers * perWriter, count);

            // Every write is found by its own sequence.
            var check = new Random(seed);
            Span<byte> expected = stackalloc byte[16];
            var sink = new System.Buffers.ArrayBufferWriter<byte>();
            for (int writer = 0; writer < Writers; writer++)
            {
                var random = new Random(seed + writer);
                for (int i = 0; i < perWriter; i++)
                {
                    ulong sequence = (ulong)(i * Writers + writer + 1);
                    var key = new byte[8];
                    BinaryPrimitives.WriteUInt64BigEndian(key, (ulong)random.Next(perWriter));
                    if (check.Next(20) != 0)
                    {
                        continue; // sample 5%
                    }
                    sink.Clear();
                    LookupResult result = memTable.Get(key, sequence, sink);
                    if (sequence % 10 == 0)
                    {
                        Assert.Equal(LookupResult.Deleted, result);
                    }
                    else
                    {
                        Assert.Equal(LookupResult.Found, result);
                        ValueFor(sequence, expected);
                        Assert.True(expected.SequenceEqual(sink.WrittenSpan), $"seed {seed}: value of sequence {sequence}");
                    }
                }
            }
        }
        finally
        {
            memTable.Unref();
        }
    }

    private static void ValueFor(ulong sequence, Span<byte> value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(value, sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(value[8..], ~sequence);
    }

    private static int ScanAndVerify(MemTable memTable, bool backward)
    {
        using IInternalIterator it = memTable.NewIterator();
        byte[]? previous = null;
        int count = 0;
        Span<byte> expected = stackalloc byte[16];
        for (SeekToStart(backward, it); it.Valid; Move(backward, it))
        {
            ReadOnlySpan<byte> key = it.Key;
            if (previous is not null)
            {
                int c = InternalKey.Compare(previous, key);
                if (backward ? c <= 0 : c >= 0)
                {
                    throw new InvalidOperationException($"order broken at entry {count}");
                }
            }
            ulong sequence = InternalKey.Sequence(key);
            if (InternalKey.Type(key) == ValueType.Value)
            {
                ValueFor(sequence, expected);
                if (!expected.SequenceEqual(it.Value))
                {
                    throw new InvalidOperationException($"value of sequence {sequence} is torn");
                }
            }
            previous = key.ToArray();
            count++;
        }
        return count;

        static void SeekToStart(bool backward, IInternalIterator it)
        {
            if (backward)
            {
                it.SeekToLast();
            }
            else
            {
                it.SeekToFirst();
            }
        }

        static void Move(bool backward, IInternalIterator it)
        {
            if (backward)
            {
                it.Prev();
            }
            else
            {
                it.Next();
            }
        }
    }
}
