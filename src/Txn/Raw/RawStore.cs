using System.Buffers;

namespace ManagedKv.Txn;

/// <summary>
/// Non-transactional raw KV (TiKV's RawKV with API V1TTL semantics) in its own column family: get, put, delete,
/// their batch forms, scan (forward and reverse, with limit and key-only), delete-range, per-key TTL and
/// compare-and-swap. Writes of a key serialize through key latches so CAS is atomic against every other write; a
/// delete-range is one range tombstone that excludes every other write while it is written. Expired values are invisible to reads. Thread-safe.
/// </summary>
public sealed class RawStore
{
    private readonly IKvEngine _engine;
    private readonly Latches _latches;

    // Held shared by every latched write (put, delete, CAS) and exclusively by DeleteRange, so a range delete never
    // interleaves with a CAS's read and write. Lock order: _rangeLock, then latches.
    private readonly ReaderWriterLockSlim _rangeLock = new(LockRecursionPolicy.NoRecursion);
    private readonly Func<long> _unixSeconds;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>The engine the store reads and writes (a server checks request ranges against it).</summary>
    public IKvEngine Engine => _engine;

    /// <param name="engine">The engine (the raw CF is used).</param>
    /// <param name="unixSecondsClock">The clock for TTL; default the system clock.</param>
    /// <param name="latchSlots">Latch slots, a power of two; default 1024.</param>
    public RawStore(IKvEngine engine, Func<long>? unixSecondsClock = null, int latchSlots = 1024)
    {
        _engine = engine;
        _latches = new Latches(latchSlots);
        _unixSeconds = unixSecondsClock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    /// <summary>RawGet: the value, or null when absent or expired.</summary>
    public byte[]? Get(byte[] key)
    {
        using IKvSnapshot s = _engine.GetSnapshot();
        return Read(s, key, out _);
    }

    /// <summary>RawGetKeyTTL: the remaining TTL in seconds (0 = no TTL); null when absent or expired.</summary>
    public ulong? GetKeyTtl(byte[] key)
    {
        using IKvSnapshot s = _engine.GetSnapshot();
        if (Read(s, key, out ulong expire) is null)
        {
            return null;
        }
        return expire == 0 ? 0 : expire - (ulong)_unixSeconds();
    }

    /// <summary>RawBatchGet: present keys only, in request order.</summary>
    public List<KvPair> BatchGet(byte[][] keys)
    {
        var result = new List<KvPair>(keys.Length);
        using IKvSnapshot s = _engine.GetSnapshot();
        foreach (byte[] key in keys)
        {
            if (Read(s, key, out _) is { } value)
            {
                result.Add(new KvPair { Key = key, Value = value });
            }
        }
        return result;
    }

    /// <summary>RawPut with an optional TTL in seconds (0 = forever).</summary>
    public void Put(byte[] key, byte[] value, ulong ttlSeconds = 0) => BatchPut([new KvPair { Key = key, Value = value }], [ttlSeconds]);

    /// <summary>RawBatchPut; <paramref name="ttls"/> per pair, or one for all, or empty.</summary>
    public void BatchPut(IReadOnlyList<KvPair> pairs, ulong[]? ttls = null)
    {
        if (ttls is { Length: > 1 } && ttls.Length != pairs.Count)
        {
            throw new ArgumentException($"{ttls.Length} ttls for {pairs.Count} pairs", nameof(ttls));
        }
        var batch = new KvWriteBatch();
        long now = _unixSeconds();
        var keys = new byte[pairs.Count][];
        for (int i = 0; i < pairs.Count; i++)
        {
            keys[i] = pairs[i].Key;
            ulong ttl = ttls is null || ttls.Length == 0 ? 0 : ttls.Length == 1 ? ttls[0] : ttls[i];
            batch.Put(EngineCf.Raw, pairs[i].Key, RawValue.Encode(pairs[i].Value, ttl == 0 ? 0 : (ulong)now + ttl));
        }
        WriteLatched(keys, batch);
    }

    public void Delete(byte[] key) => BatchDelete([key]);

    public void BatchDelete(byte[][] keys)
    {
        var batch = new KvWriteBatch();
        foreach (byte[] key in keys)
        {
            batch.Delete(EngineCf.Raw, key);
        }
        WriteLatched(keys, batch);
    }

    /// <summary>
    /// RawScan: up to <paramref name="limit"/> live pairs (0 = unlimited). Forward: <c>[startKey, endKey)</c>. Reverse:
    /// descending, <paramref name="startKey"/> the exclusive upper bound and <paramref name="endKey"/> the inclusive lower
    /// bound, as clients send it. Empty end = unbounded.
    /// </summary>
    public List<KvPair> Scan(byte[] startKey, byte[] endKey, uint limit, bool keyOnly = false, bool reverse = false)
    {
        var result = new List<KvPair>();
        long now = _unixSeconds();
        byte[]? lower = reverse ? Bound(endKey) : Bound(startKey);
        byte[]? upper = reverse ? Bound(startKey) : Bound(endKey);
        using IKvSnapshot s = _engine.GetSnapshot();
        using IKvCursor c = s.NewCursor(EngineCf.Raw, lower, upper);
        if (reverse)
        {
            c.SeekToLast();
        }
        else
        {
            c.SeekToFirst();
        }
        while (c.Valid && (limit == 0 || result.Count < limit))
        {
            ReadOnlySpan<byte> value = RawValue.Decode(c.Value, c.Key, out ulong expire);
            if (expire == 0 || expire > (ulong)now)
            {
                result.Add(new KvPair { Key = c.Key.ToArray(), Value = keyOnly ? [] : value.ToArray() });
            }
            if (reverse)
            {
                c.Prev();
            }
            else
            {
                c.Next();
            }
        }
        return result;
    }

    /// <summary>
    /// RawDeleteRange of <c>[startKey, endKey)</c> (empty end = unbounded): one range tombstone, atomic with respect to
    /// every other raw write (it takes the range lock exclusively, so no put or CAS interleaves with it). The unbounded
    /// form ends just past the last key present, which no write can pass while the lock is held.
    /// </summary>
    public void DeleteRange(byte[] startKey, byte[] endKey)
    {
        if (endKey.Length != 0 && endKey.AsSpan().SequenceCompareTo(startKey) < 0)
        {
            throw new ArgumentException("RawDeleteRange: the end key sorts before the start key.", nameof(endKey));
        }
        _rangeLock.EnterWriteLock();
        try
        {
            byte[] end = endKey;
            if (end.Length == 0)
            {
                using IKvSnapshot s = _engine.GetSnapshot();
                using IKvCursor c = s.NewCursor(EngineCf.Raw, Bound(startKey));
                c.SeekToLast();
                if (!c.Valid)
                {
                    return;
                }
                end = new byte[c.Key.Length + 1]; // the smallest key after the last one
                c.Key.CopyTo(end);
            }
            var batch = new KvWriteBatch(startKey.Length + end.Length + 16);
            batch.DeleteRange(EngineCf.Raw, startKey, end);
            _engine.Write(batch);
        }
        finally
        {
            _rangeLock.ExitWriteLock();
        }
    }

    /// <summary>
    /// RawCompareAndSwap: atomically, when the current value matches (absent when <paramref name="previousNotExist"/>,
    /// else equal to <paramref name="previousValue"/>), writes <paramref name="value"/> (or deletes when
    /// <paramref name="delete"/>). Always returns what was there before.
    /// </summary>
    public RawCasResult CompareAndSwap(byte[] key, byte[] value, bool previousNotExist, byte[]? previousValue, ulong ttlSeconds = 0, bool delete = false)
    {
        _rangeLock.EnterReadLock();
        int[] slots = _latches.Acquire([key]);
        try
        {
            byte[]? current;
            using (IKvSnapshot s = _engine.GetSnapshot())
            {
                current = Read(s, key, out _);
            }
            bool matches = previousNotExist ? current is null : current is not null && current.AsSpan().SequenceEqual(previousValue);
            if (matches)
            {
                var batch = new KvWriteBatch();
                if (delete)
                {
                    batch.Delete(EngineCf.Raw, key);
                }
                else
                {
                    batch.Put(EngineCf.Raw, key, RawValue.Encode(value, ttlSeconds == 0 ? 0 : (ulong)_unixSeconds() + ttlSeconds));
                }
                _engine.Write(batch);
            }
            return new RawCasResult { Succeed = matches, PreviousNotExist = current is null, PreviousValue = current ?? [] };
        }
        finally
        {
            _latches.Release(slots);
            _rangeLock.ExitReadLock();
        }
    }

    private void WriteLatched(byte[][] keys, KvWriteBatch batch)
    {
        _rangeLock.EnterReadLock();
        int[] slots = _latches.Acquire(keys);
        try
        {
            _engine.Write(batch);
        }
        finally
        {
            _latches.Release(slots);
            _rangeLock.ExitReadLock();
        }
    }

    private byte[]? Read(IKvSnapshot s, byte[] key, out ulong expire)
    {
        ArrayBufferWriter<byte> buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        if (!s.TryGet(EngineCf.Raw, key, buffer))
        {
            expire = 0;
            return null;
        }
        ReadOnlySpan<byte> value = RawValue.Decode(buffer.WrittenSpan, key, out expire);
        if (expire != 0 && expire <= (ulong)_unixSeconds())
        {
            return null;
        }
        return value.ToArray();
    }

    private static byte[]? Bound(byte[] key) => key.Length == 0 ? null : key;
}
