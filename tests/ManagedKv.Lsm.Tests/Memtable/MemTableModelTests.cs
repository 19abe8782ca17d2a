using System.Buffers;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Memtable;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm.Tests.Memtable;

/// <summary>Randomized operations on a memtable checked against a SortedDictionary of internal keys.</summary>
public sealed class MemTableModelTests
{
    [Fact]
    public void RandomOperationsMatchModel()
    {
        int runs = Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1" ? 200 : 8;
        for (int run = 0; run < runs; run++)
        {
            int seed = Environment.TickCount + run * 7919;
            try
            {
                RunModel(seed, operations: 4000);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed}: {e}");
            }
        }
    }

    private static void RunModel(int seed, int operations)
    {
        var random = new Random(seed);
        var model = new SortedDictionary<byte[], byte[]>(InternalKeyComparer.Instance);
        var userKeys = new List<byte[]>();
        int keySpace = random.Next(5, 300);
        for (int i = 0; i < keySpace; i++)
        {
            // Mostly short keys, some longer than 127 bytes (two-byte length varint), one empty key.
            int length = i == 0 ? 0 : random.Next(10) == 0 ? random.Next(120, 300) : random.Next(1, 12);
            var key = new byte[length];
            random.NextBytes(key);
            userKeys.Add(key);
        }
        var memTable = new MemTable(1);
        try
        {
            ulong sequence = (ulong)random.Next(1, 1000);
            ulong firstSequence = sequence;
            long deletes = 0;
            var sink = new ArrayBufferWriter<byte>();
            for (int op = 0; op < operations; op++)
            {
                int choice = random.Next(100);
                if (choice < 50 || model.Count == 0)
                {
                    byte[] userKey = userKeys[random.Next(userKeys.Count)];
                    ValueType type = random.Next(4) == 0 ? ValueType.Deletion : ValueType.Value;
                    byte[] value = type == ValueType.Deletion ? [] : new byte[random.Next(3) == 0 ? random.Next(200, 2000) : random.Next(30)];
                    random.NextBytes(value);
                    // Sequences are unique but need not arrive in order (concurrent writers of a group).
                    ulong seq = sequence + (ulong)random.Next(3);
                    byte[] internalKey = InternalKey.Create(userKey, seq, type);
                    byte[] deleteTwin = InternalKey.Create(userKey, seq, type == ValueType.Value ? ValueType.Deletion : ValueType.Value);
                    if (model.ContainsKey(internalKey) || model.ContainsKey(deleteTwin))
                    {
                        continue;
                    }
                    sequence += 3;
                    memTable.Add(seq, type, userKey, value);
                    model.Add(internalKey, value);
                    deletes += type == ValueType.Deletion ? 1 : 0;
                }
                else if (choice < 75)
                {
                    byte[] userKey = random.Next(10) == 0 ? RandomKey(random) : userKeys[random.Next(userKeys.Count)];
                    ulong snapshot = (ulong)random.Next(0, (int)sequence + 5);
                    sink.Clear();
                    LookupResult result = memTable.Get(userKey, snapshot, random.Next(5) == 0 ? null : sink);
                    (LookupResult expected, byte[]? value) = ModelGet(model, userKey, snapshot);
                    Assert.Equal(expected, result);
                    if (expected == LookupResult.Found && sink.WrittenCount > 0)
                    {
                        Assert.Equal(value, sink.WrittenSpan.ToArray());
                    }
                }
                else
                {
                    CheckIterator(random, memTable, model);
                }
            }
            Assert.Equal((ulong)model.Count, memTable.NumEntries);
            Assert.Equal((ulong)deletes, memTable.NumDeletes);
            Assert.Equal(model.Count == 0, memTable.IsEmpty);
            if (model.Count > 0)
            {
                ulong min = ulong.MaxValue, max = 0;
                foreach (byte[] key in model.Keys)
                {
                    min = Math.Min(min, InternalKey.Sequence(key));
                    max = Math.Max(max, InternalKey.Sequence(key));
                }
                Assert.Equal(min, memTable.FirstSequence);
                Assert.Equal(max, memTable.LargestSequence);
                Assert.True(memTable.FirstSequence >= firstSequence);
            }
            CheckFullScans(memTable, model);
        }
        finally
        {
            Assert.True(memTable.Unref());
        }
    }

    private static byte[] RandomKey(Random random)
    {
        var key = new byte[random.Next(0, 14)];
        random.NextBytes(key);
        return key;
    }

    private static (LookupResult, byte[]?) ModelGet(SortedDictionary<byte[], byte[]> model, byte[] userKey, ulong snapshot)
    {
        // The newest entry of userKey with sequence <= snapshot: the first in internal-key order >= (userKey, snapshot).
        byte[] target = InternalKey.Create(userKey, Math.Min(snapshot, SequenceNumber.Max), ValueTypes.ForSeek);
        foreach (KeyValuePair<byte[], byte[]> entry in model)
        {
            if (InternalKey.Compare(entry.Key, target) < 0)
            {
                continue;
            }
            if (!InternalKey.UserKey(entry.Key).SequenceEqual(userKey))
            {
                return (LookupResult.NotFound, null);
            }
            return InternalKey.Type(entry.Key) == ValueType.Deletion ? (LookupResult.Deleted, null) : (LookupResult.Found, entry.Value);
        }
        return (LookupResult.NotFound, null);
    }

    private static void CheckFullScans(MemTable memTable, SortedDictionary<byte[], byte[]> model)
    {
        var keys = model.Keys.ToList();
        using IInternalIterator it = memTable.NewIterator();
        int i = 0;
        for (it.SeekToFirst(); it.Valid; it.Next(), i++)
        {
            Assert.Equal(keys[i], it.Key.ToArray());
            Assert.Equal(model[keys[i]], it.Value.ToArray());
        }
        Assert.Equal(keys.Count, i);
        i = keys.Count - 1;
        for (it.SeekToLast(); it.Valid; it.Prev(), i--)
        {
            Assert.Equal(keys[i], it.Key.ToArray());
        }
        Assert.Equal(-1, i);
    }

    private static void CheckIterator(Random random, MemTable memTable, SortedDictionary<byte[], byte[]> model)
    {
        var keys = model.Keys.ToList();
        using IInternalIterator it = memTable.NewIterator();
        int position; // index into keys, or -1 / keys.Count when not valid
        byte[] target = random.Next(2) == 0 && keys.Count > 0
            ? keys[random.Next(keys.Count)]
            : InternalKey.Create(RandomKey(random), (ulong)random.Next(0, 100_000), random.Next(2) == 0 ? ValueType.Value : ValueTypes.ForSeek);
        switch (random.Next(4))
        {
            case 0:
                it.Seek(target);
                position = keys.FindIndex(k => InternalKey.Compare(k, target) >= 0);
                if (position < 0)
                {
                    position = keys.Count;
                }
                break;
            case 1:
                it.SeekForPrev(target);
                position = keys.FindLastIndex(k => InternalKey.Compare(k, target) <= 0);
                break;
            case 2:
                it.SeekToFirst();
                position = keys.Count == 0 ? -1 : 0;
                break;
            default:
                it.SeekToLast();
                position = keys.Count - 1;
                break;
        }
        for (int step = 0; step < 30; step++)
        {
            bool valid = position >= 0 && position < keys.Count;
            Assert.Equal(valid, it.Valid);
            if (!valid)
            {
                return;
            }
            Assert.Equal(keys[position], it.Key.ToArray());
            Assert.Equal(model[keys[position]], it.Value.ToArray());
            if (random.Next(2) == 0)
            {
                it.Next();
                position++;
            }
            else
            {
                it.Prev();
                position--;
            }
        }
    }
}
