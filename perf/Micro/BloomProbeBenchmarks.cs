using BenchmarkDotNet.Attributes;
using ManagedKv.Lsm.Table;
using ManagedKv.Perf.Workloads;

namespace ManagedKv.Perf.Micro;

/// <summary>
/// Bloom filter probes (src/Lsm/Filter/BloomFilterReader.cs) on a full filter of 1,000,000 benchmark keys at
/// 10 bits per key (1.2 MiB, beyond L2: the probe's one cache miss is part of the cost), for keys present and keys
/// absent (the readmissing path); 1,024 probes per invocation. Not sealed: BenchmarkDotNet derives from it.
/// </summary>
[MemoryDiagnoser]
public class BloomProbeBenchmarks
{
    private const int Probes = 1024;
    private const int Keys = 1_000_000;
    private BloomFilterReader? _reader;
    private readonly byte[][] _present = new byte[Probes][];
    private readonly byte[][] _absent = new byte[Probes][];

    [GlobalSetup]
    public void Setup()
    {
        BloomFilterBuilder builder = new BloomFilterPolicy(10).NewBuilder();
        Span<byte> key = stackalloc byte[16];
        for (ulong n = 0; n < Keys; n++)
        {
            KeyFormat.Write(key, n);
            builder.AddKey(key);
        }
        _reader = BloomFilterReader.Create(builder.Finish(), "micro", 0);
        var random = new FastRandom(9);
        for (int i = 0; i < Probes; i++)
        {
            _present[i] = new byte[16];
            KeyFormat.Write(_present[i], random.Below(Keys));
            _absent[i] = new byte[16];
            KeyFormat.WriteMissing(_absent[i], random.Below(Keys));
        }
    }

    [Benchmark(OperationsPerInvoke = Probes)]
    public int ProbePresent()
    {
        int hits = 0;
        foreach (byte[] key in _present)
        {
            hits += _reader!.KeyMayMatch(key) ? 1 : 0;
        }
        return hits;
    }

    [Benchmark(OperationsPerInvoke = Probes)]
    public int ProbeAbsent()
    {
        int hits = 0;
        foreach (byte[] key in _absent)
        {
            hits += _reader!.KeyMayMatch(key) ? 1 : 0;
        }
        return hits;
    }
}
