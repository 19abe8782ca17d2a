using System.Text;
using ManagedKv.Lsm.Tests.Filter;

namespace ManagedKv.Lsm.Tests.Db;

/// <summary>
/// Randomized: prefix-same-as-start iterators (both directions, direction changes) and Gets over TiKV-like keys
/// (user key | ~ts, prefix = user key) compared with a sorted model, with flushes, compactions, snapshots and a
/// reopen in between, prefix bloom in SSTs (whole-key filtering on or off) and in memtables.
/// </summary>
public sealed class PrefixSeekModelTests
{
    private static readonly Comparer<byte[]> s_bytewise = Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b));

    [Theory]
    [InlineData(11, false)]
    [InlineData(12, true)]
    [InlineData(13, false)]
    public void PrefixSeekMatchesModel(int seed, bool wholeKey)
    {
        try
        {
            Run(seed, wholeKey, Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1" ? 30_000 : 2_500);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"seed {seed}, wholeKey {wholeKey}: {e.Message}", e);
        }
    }

    private static DbOptions Options(bool wholeKey, bool create)
    {
        DbOptions o = TestOptions.Small(create);
        ColumnFamilyOptions c = o.DefaultColumnFamilyOptions;
        c.PrefixExtractor = new TimestampSuffixTransform();
        c.WholeKeyFiltering = wholeKey;
        c.MemtablePrefixBloomSizeRatio = 0.05;
        return o;
    }

    private static byte[] UserKey(int id) => Encoding.ASCII.GetBytes($"u{id:D3}"); // fixed length: prefix-free

    private static void Run(int seed, bool wholeKey, int ops)
    {
        var rnd = new Random(seed);
        using var dir = new TempDir();
        var model = new SortedDictionary<byte[], byte[]>(s_bytewise);
        var snapshots = new List<(Snapshot Snapshot, SortedDictionary<byte[], byte[]> Model)>();
        LsmDb db = LsmDb.Open(dir.Path, Options(wholeKey, create: true));
        try
        {
            for (int op = 0; op < ops; op++)
            {
                int r = rnd.Next(1000);
                if (r < 550)
                {
                    byte[] key = TimestampSuffixTransform.Key(UserKey(rnd.Next(60)), (ulong)rnd.Next(1, 20));
                    byte[] value = new byte[rnd.Next(1, 40)];
                    rnd.NextBytes(value);
                    db.Put(key, value);
                    model[key] = value;
                }
                else if (r < 680)
                {
                    byte[] key = TimestampSuffixTransform.Key(UserKey(rnd.Next(60)), (ulong)rnd.Next(1, 20));
                    db.Delete(key);
                    model.Remove(key);
                }
                else if (r < 710)
                {
                    db.Flush();
                }
                else if (r < 715)
                {
                    db.CompactRange();
                }
                else if (r < 730 && snapshots.Count < 3)
                {
                    snapshots.Add((db.GetSnapshot(), new SortedDictionary<byte[], byte[]>(model, s_bytewise)));
                }
                else if (r < 740 && snapshots.Count > 0)
                {
                    int i = rnd.Next(snapshots.Count);
                    snapshots[i].Snapshot.Dispose();
                    snapshots.RemoveAt(i);
                }
                else if (r == 741)
                {
                    foreach ((Snapshot s, _) in snapshots)
                    {
                        s.Dispose();
                    }
                    snapshots.Clear();
                    db.Dispose();
                    db = LsmDb.Open(dir.Path, Options(wholeKey, create: false));
                }
                else
                {
                    int view = rnd.Next(snapshots.Count + 1);
                    (Snapshot? snap, SortedDictionary<byte[], byte[]> m) = view == snapshots.Count ? (null, model) : snapshots[view];
                    Check(db, rnd, snap, m, op);
                }
            }
            Assert.True(db.Statistics.Get(Ticker.BloomFilterPrefixChecked) > 0);
            Assert.True(db.Statistics.Get(Ticker.BloomFilterPrefixUseful) > 0);
            Assert.True(db.Statistics.Get(Ticker.MemtableBloomUseful) > 0);
        }
        finally
        {
            db.Dispose();
        }
    }

    private static void Check(LsmDb db, Random rnd, Snapshot? snap, SortedDictionary<byte[], byte[]> model, int op)
    {
        byte[] user = UserKey(rnd.Next(70)); // ids 60..69 never exist
        byte[] target = TimestampSuffixTransform.Key(user, (ulong)rnd.Next(0, 21));
        // The model's keys of this prefix, ascending.
        var prefixKeys = new List<byte[]>();
        foreach (byte[] k in model.Keys)
        {
            if (k.AsSpan(0, user.Length).SequenceEqual(user))
            {
                prefixKeys.Add(k);
            }
        }

        byte[]? got = db.Get(target, new ReadOptions { Snapshot = snap });
        Assert.Equal(model.TryGetValue(target, out byte[]? want) ? want : null, got);

        var options = new ReadOptions { Snapshot = snap, PrefixSameAsStart = true };
        using LsmIterator it = db.NewIterator(options);
        bool forward = rnd.Next(2) == 0;
        int index;
        if (forward)
        {
            it.Seek(target);
            index = prefixKeys.FindIndex(k => s_bytewise.Compare(k, target) >= 0);
            if (index < 0)
            {
                index = prefixKeys.Count;
            }
        }
        else
        {
            it.SeekForPrev(target);
            index = prefixKeys.FindLastIndex(k => s_bytewise.Compare(k, target) <= 0);
        }
        for (int step = 0; step < 8; step++)
        {
            bool valid = index >= 0 && index < prefixKeys.Count;
            Assert.True(valid == it.Valid, $"op {op}, step {step}: valid {it.Valid}, model {valid} (index {index} of {prefixKeys.Count})");
            if (!valid)
            {
                break;
            }
            Assert.Equal(prefixKeys[index], it.Key.ToArray());
            Assert.Equal(model[prefixKeys[index]], it.Value.ToArray());
            if (rnd.Next(3) == 0)
            {
                it.Prev();
                index--;
            }
            else
            {
                it.Next();
                index++;
            }
        }

        // Total order from the same target sees every key after it, past the prefix.
        using LsmIterator total = db.NewIterator(new ReadOptions { Snapshot = snap, PrefixSameAsStart = true, TotalOrderSeek = true });
        total.Seek(target);
        using SortedDictionary<byte[], byte[]>.KeyCollection.Enumerator e = model.Keys.GetEnumerator();
        byte[]? expected = null;
        while (e.MoveNext())
        {
            if (s_bytewise.Compare(e.Current, target) >= 0)
            {
                expected = e.Current;
                break;
            }
        }
        if (expected is null)
        {
            Assert.False(total.Valid, $"op {op}: total-order iterator past the model's last key");
        }
        for (int step = 0; step < 5 && expected is not null; step++)
        {
            Assert.True(total.Valid, $"op {op}: total-order iterator ended early");
            Assert.Equal(expected, total.Key.ToArray());
            total.Next();
            expected = e.MoveNext() ? e.Current : null;
        }
    }
}
