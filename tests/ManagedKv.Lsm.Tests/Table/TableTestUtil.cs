using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Table;

namespace ManagedKv.Lsm.Tests.Table;

/// <summary>Builds tables from sorted entry lists and answers lookups from the same lists (the model).</summary>
internal static class TableTestUtil
{
    public static readonly Comparer<byte[]> InternalOrder = Comparer<byte[]>.Create((a, b) => InternalKey.Compare(a, b));

    /// <summary>
    /// Random entries in internal-key order: user keys with shared prefixes, 1..maxVersions versions each (distinct
    /// descending sequences), about a fifth of them deletions.
    /// </summary>
    public static List<KeyValuePair<byte[], byte[]>> RandomEntries(Random rnd, int userKeys, int maxVersions, int maxValue = 100, bool compressible = false)
    {
        var userSet = new SortedSet<byte[]>(Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)));
        while (userSet.Count < userKeys)
        {
            var key = new byte[rnd.Next(1, 24)];
            rnd.NextBytes(key);
            if (rnd.Next(3) == 0)
            {
                "prefix/"u8[..Math.Min(7, key.Length)].CopyTo(key);
            }
            userSet.Add(key);
        }
        var entries = new List<KeyValuePair<byte[], byte[]>>();
        foreach (byte[] user in userSet)
        {
            int versions = rnd.Next(1, maxVersions + 1);
            ulong seq = (ulong)rnd.Next(versions * 3, 1_000_000);
            for (int v = 0; v < versions; v++)
            {
                Keys.ValueType type = rnd.Next(5) == 0 ? Keys.ValueType.Deletion : Keys.ValueType.Value;
                byte[] value = type == Keys.ValueType.Deletion ? [] : RandomValue(rnd, maxValue, compressible);
                entries.Add(new(InternalKey.Create(user, seq, type), value));
                seq -= (ulong)rnd.Next(1, 3);
            }
        }
        return entries;
    }

    public static byte[] RandomValue(Random rnd, int maxValue, bool compressible)
    {
        var value = new byte[rnd.Next(0, maxValue + 1)];
        if (compressible)
        {
            for (int i = 0; i < value.Length; i++)
            {
                value[i] = (byte)('a' + (i / 7 % 3));
            }
        }
        else
        {
            rnd.NextBytes(value);
        }
        return value;
    }

    public static TableProperties Build(string path, TableBuilderOptions options, IEnumerable<KeyValuePair<byte[], byte[]>> entries)
    {
        using var builder = new TableBuilder(path, options);
        foreach (KeyValuePair<byte[], byte[]> e in entries)
        {
            builder.Add(e.Key, e.Value);
        }
        return builder.Finish(sync: false);
    }

    public static TableReader Open(string path, TableReaderOptions options, ulong fileNumber = 1)
    {
        IRandomAccessFile file = options.UseMemoryMap ? MemoryMappedRandomAccessFile.Open(path) : RandomAccessFile.Open(path);
        return TableReader.Open(file, path, fileNumber, new FileInfo(path).Length, options);
    }

    /// <summary>Index of the first entry with internal key &gt;= target.</summary>
    public static int LowerBound(List<KeyValuePair<byte[], byte[]>> entries, ReadOnlySpan<byte> target)
    {
        int lo = 0, hi = entries.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (InternalKey.Compare(entries[mid].Key, target) < 0)
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

    /// <summary>What TableReader.Get must answer according to the model.</summary>
    public static (LookupResult Result, byte[]? Value) ModelGet(List<KeyValuePair<byte[], byte[]>> entries, byte[] userKey, ulong sequence)
    {
        int i = LowerBound(entries, InternalKey.Create(userKey, sequence, ValueTypes.ForSeek));
        if (i == entries.Count || !InternalKey.UserKey(entries[i].Key).SequenceEqual(userKey))
        {
            return (LookupResult.NotFound, null);
        }
        return InternalKey.Type(entries[i].Key) == Keys.ValueType.Value ? (LookupResult.Found, entries[i].Value) : (LookupResult.Deleted, null);
    }
}
