using BenchmarkDotNet.Attributes;
using ManagedKv.Lsm;
using ManagedKv.Lsm.Table;
using ManagedKv.Perf.Workloads;

namespace ManagedKv.Perf.Micro;

/// <summary>
/// Block cache lookups (src/Lsm/Cache/BlockCache.cs Lookup + Release of the handle): a 64 MiB cache holding 8,192 4 KiB blocks of one
/// table reader, looked up at random cached offsets (hits) and at offsets never inserted (misses); 1,024 lookups
/// per invocation, single-threaded (the shard lock uncontended). Not sealed: BenchmarkDotNet derives from it.
/// </summary>
[MemoryDiagnoser]
public class BlockCacheBenchmarks
{
    private const int Lookups = 1024;
    private const int Blocks = 8192;
    private const int BlockBytes = 4096;
    private readonly ulong[] _hitOffsets = new ulong[Lookups];
    private readonly ulong[] _missOffsets = new ulong[Lookups];
    private BlockCache? _cache;
    private ulong _readerId;

    [GlobalSetup]
    public void Setup()
    {
        _cache = new BlockCache(64L << 20);
        _readerId = _cache.NewId();
        for (int i = 0; i < Blocks; i++)
        {
            _cache.InsertCopy(_readerId, (ulong)i * BlockBytes, new byte[BlockBytes]);
        }
        var random = new FastRandom(17);
        for (int i = 0; i < Lookups; i++)
        {
            _hitOffsets[i] = random.Below(Blocks) * BlockBytes;
            _missOffsets[i] = (Blocks + random.Below(Blocks)) * BlockBytes;
        }
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int Hit()
    {
        int found = 0;
        foreach (ulong offset in _hitOffsets)
        {
            BlockCacheEntry? block = _cache!.Lookup(_readerId, offset);
            if (block != null)
            {
                found += block.Length;
                BlockCache.Release(block);
            }
        }
        return found;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int Miss()
    {
        int found = 0;
        foreach (ulong offset in _missOffsets)
        {
            found += _cache!.Lookup(_readerId, offset) != null ? 1 : 0;
        }
        return found;
    }
}
