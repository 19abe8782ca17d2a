using BenchmarkDotNet.Attributes;
using ManagedKv.Lsm.Util;
using ManagedKv.Perf.Workloads;

namespace ManagedKv.Perf.Micro;

/// <summary>
/// The format checksum (src/Lsm/Util/Checksum.cs, xxh3-low32) at the sizes it covers: a WAL record of one small
/// write, a 4 KiB data block, a 32 KiB block (TiKV's block size). Not sealed: BenchmarkDotNet derives from it.
/// </summary>
[MemoryDiagnoser]
public class ChecksumBenchmarks
{
    private byte[] _data = [];

    [Params(128, 4096, 32768)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        var random = new FastRandom(7);
        for (int i = 0; i < _data.Length; i++)
        {
            _data[i] = (byte)random.Next();
        }
    }

    [Benchmark]
    public uint Compute() => Checksum.Compute(_data, tag: 1);
}
