using BenchmarkDotNet.Attributes;
using ManagedKv.Lsm.Wal;
using ManagedKv.Perf.Workloads;

namespace ManagedKv.Perf.Micro;

/// <summary>
/// WAL append (src/Lsm/Wal/WalWriter.cs AddRecord) of one small write's record (~140 bytes: a one-put batch of a
/// 16-byte key and 100-byte value), memory-mapped (a memcpy) against write() (a system call per record), without
/// sync; 1,024 records per invocation. The log is started afresh every 64 MiB so the benchmark's disk use stays
/// bounded (the rotation is amortized over half a million records). Not sealed: BenchmarkDotNet derives from it.
/// </summary>
[MemoryDiagnoser]
public class WalAppendBenchmarks
{
    private const int Records = 1024;
    private const long RotateBytes = 64L << 20;
    private readonly byte[] _record = new byte[140];
    private string _path = "";
    private WalWriter? _writer;

    [Params(true, false)]
    public bool MemoryMapped { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new FastRandom(13);
        for (int i = 0; i < _record.Length; i++)
        {
            _record[i] = (byte)random.Next();
        }
        _path = Path.Combine(Path.GetTempPath(), $"managedkv-micro-wal-{Environment.ProcessId}-{MemoryMapped}.log");
        _writer = Create();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _writer?.Dispose();
        File.Delete(_path);
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public long AddRecord()
    {
        WalWriter writer = _writer!;
        if (writer.Size > RotateBytes)
        {
            writer.Dispose();
            writer = _writer = Create();
        }
        for (int i = 0; i < Records; i++)
        {
            writer.AddRecord(_record);
        }
        return writer.Size;
    }

    private WalWriter Create() => WalWriter.Create(_path, 1, new WalWriterOptions { UseMemoryMappedWrites = MemoryMapped });
}
