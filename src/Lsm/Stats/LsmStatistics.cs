using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace ManagedKv.Lsm;

/// <summary>
/// DB statistics (RocksDB's Statistics object): monotonically increasing <see cref="Ticker"/> counters. One instance
/// may be shared by several DBs through <see cref="DbOptions.Statistics"/>; each DB uses a private one otherwise
/// (<see cref="LsmDb.Statistics"/>). Thread-safe; counting costs one interlocked add on a per-core slot, so hot read
/// paths on many cores do not fight over one cache line.
/// </summary>
public sealed class LsmStatistics
{
    private static readonly string[] s_names =
    [
        "rocksdb.bloom.filter.checked",
        "rocksdb.bloom.filter.useful",
        "rocksdb.bloom.filter.full.positive",
        "rocksdb.bloom.filter.full.true.positive",
        "rocksdb.bloom.filter.prefix.checked",
        "rocksdb.bloom.filter.prefix.useful",
        "rocksdb.memtable.bloom.checked",
        "rocksdb.memtable.bloom.useful",
        "rocksdb.flush.write.bytes",
        "rocksdb.compact.read.bytes",
        "rocksdb.compact.write.bytes",
        "rocksdb.compaction.key.drop.user",
        "rocksdb.compaction.value.changed.user",
        "rocksdb.number.keys.written",
        "rocksdb.bytes.written",
        "rocksdb.number.keys.read",
        "rocksdb.wal.bytes",
        "rocksdb.wal.synced",
        "rocksdb.write.wal",
        "rocksdb.stall.micros",
        "rocksdb.block.cache.data.hit",
        "rocksdb.block.cache.data.miss",
        "rocksdb.block.cache.index.hit",
        "rocksdb.block.cache.index.miss",
        "rocksdb.block.cache.filter.hit",
        "rocksdb.block.cache.filter.miss",
        "managedkv.wal.directory.synced",
    ];

    /// <summary>Number of tickers.</summary>
    public static int TickerCount => s_names.Length;

    // Slot layout: shard * _stride + ticker; each shard starts on its own 64-byte line.
    private readonly long[] _counts;
    private readonly int _stride;
    private readonly int _shardMask;

    /// <summary>Creates zeroed counters.</summary>
    public LsmStatistics()
    {
        int shards = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 64));
        _stride = (s_names.Length + 7) & ~7;
        _shardMask = shards - 1;
        _counts = new long[shards * _stride];
    }

    /// <summary>The property name of <paramref name="ticker"/>.</summary>
    public static string NameOf(Ticker ticker) => s_names[(int)ticker];

    /// <summary>Finds the ticker whose name is <paramref name="name"/>.</summary>
    public static bool TryParse(string name, out Ticker ticker)
    {
        for (int i = 0; i < s_names.Length; i++)
        {
            if (s_names[i] == name)
            {
                ticker = (Ticker)i;
                return true;
            }
        }
        ticker = default;
        return false;
    }

    /// <summary>Adds <paramref name="count"/> to <paramref name="ticker"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(Ticker ticker, long count = 1)
    {
        int shard = Thread.GetCurrentProcessorId() & _shardMask;
        Interlocked.Add(ref _counts[(shard * _stride) + (int)ticker], count);
    }

    /// <summary>The current value of <paramref name="ticker"/>.</summary>
    public long Get(Ticker ticker)
    {
        long sum = 0;
        for (int i = (int)ticker; i < _counts.Length; i += _stride)
        {
            sum += Volatile.Read(ref _counts[i]);
        }
        return sum;
    }

    /// <summary>Sets every counter to zero (concurrent increments may survive).</summary>
    public void Reset()
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            Volatile.Write(ref _counts[i], 0);
        }
    }

    /// <summary>"name COUNT : value" lines, as RocksDB's statistics dump.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < s_names.Length; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{s_names[i]} COUNT : {Get((Ticker)i)}\n");
        }
        return sb.ToString();
    }
}
