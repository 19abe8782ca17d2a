using BenchmarkDotNet.Attributes;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Table;
using ManagedKv.Perf.Workloads;
using LsmValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Perf.Micro;

/// <summary>
/// Seek inside one data block (src/Lsm/Table/BlockIterator.cs): binary search over restart points, then a linear
/// scan that rebuilds prefix-compressed keys. The block holds benchmark entries (16-byte user key + 8-byte trailer,
/// 100-byte values, restart interval 16) filling 4 KiB (db_bench's block) or 32 KiB (TiKV's); targets are random
/// keys of the block, 1,024 seeks per invocation. Not sealed: BenchmarkDotNet derives from it.
/// </summary>
[MemoryDiagnoser]
public class BlockSeekBenchmarks
{
    private const int Seeks = 1024;
    private readonly BlockIterator _iterator = new();
    private byte[][] _targets = [];

    [Params(4096, 32768)]
    public int BlockSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var builder = new BlockBuilder(16);
        var values = new ValueSource(100, 0.5, 3);
        int cursor = 0;
        Span<byte> user = stackalloc byte[16];
        var keys = new List<byte[]>();
        for (ulong n = 0; builder.CurrentSizeEstimate < BlockSize; n += 3)
        {
            KeyFormat.Write(user, n);
            byte[] key = InternalKey.Create(user, 1_000 + n, LsmValueType.Value);
            builder.Add(key, values.Next(ref cursor));
            keys.Add(InternalKey.Create(user, SequenceNumber.Max, ValueTypes.ForSeek));
        }
        byte[] block = builder.Finish().ToArray();
        _iterator.Reset(block, internalKeys: true, "micro", 0);
        var random = new FastRandom(5);
        _targets = new byte[Seeks][];
        for (int i = 0; i < Seeks; i++)
        {
            _targets[i] = keys[(int)random.Below((ulong)keys.Count)];
        }
    }

    [Benchmark(OperationsPerInvoke = Seeks)]
    public int Seek()
    {
        int found = 0;
        foreach (byte[] target in _targets)
        {
            _iterator.Seek(target);
            found += _iterator.Valid ? 1 : 0;
        }
        return found;
    }
}
