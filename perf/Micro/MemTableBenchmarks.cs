using System.Buffers;
using BenchmarkDotNet.Attributes;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Memtable;
using ManagedKv.Perf.Workloads;
using LsmValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Perf.Micro;

/// <summary>
/// The memtable path of every Put and of a Get that hits it (src/Lsm/Memtable/MemTable.cs): Add of random
/// benchmark keys (16-byte key, 100-byte value, a fresh sequence number each), and Get of random present keys in a
/// memtable of 500,000 entries (about what a 64 MiB write buffer holds) into a reused buffer writer; 1,024
/// operations per invocation. Add starts a new memtable every 500,000 entries so memory stays bounded.
/// Not sealed: BenchmarkDotNet derives from it.
/// </summary>
[MemoryDiagnoser]
public class MemTableBenchmarks
{
    private const int Operations = 1024;
    private const int Entries = 500_000;
    private readonly byte[][] _keys = new byte[Operations * 64][];
    private readonly ArrayBufferWriter<byte> _sink = new(256);
    private ValueSource _values = new(100, 0.5, 1);
    private MemTable? _filled;
    private MemTable? _growing;
    private ulong _sequence;
    private ulong _nextId;
    private int _valueCursor;
    private int _keyCursor;

    [GlobalSetup]
    public void Setup()
    {
        _values = new ValueSource(100, 0.5, 1);
        var random = new FastRandom(21);
        for (int i = 0; i < _keys.Length; i++)
        {
            _keys[i] = new byte[16];
            KeyFormat.Write(_keys[i], random.Below(Entries));
        }
        _filled = new MemTable(++_nextId);
        var key = new byte[16];
        for (ulong n = 0; n < Entries; n++)
        {
            // Insert in a scrambled order so the skiplist is built as random writes build it.
            KeyFormat.Write(key, n * 0x9E3779B1UL % Entries);
            _filled.Add(++_sequence, LsmValueType.Value, key, _values.Next(ref _valueCursor));
        }
        _growing = new MemTable(++_nextId);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _filled?.Unref();
        _growing?.Unref();
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public ulong Add()
    {
        MemTable memtable = _growing!;
        if (memtable.NumEntries >= Entries)
        {
            memtable.Unref();
            memtable = _growing = new MemTable(++_nextId);
        }
        for (int i = 0; i < Operations; i++)
        {
            memtable.Add(++_sequence, LsmValueType.Value, NextKey(), _values.Next(ref _valueCursor));
        }
        return memtable.NumEntries;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public int Get()
    {
        MemTable memtable = _filled!;
        int found = 0;
        for (int i = 0; i < Operations; i++)
        {
            _sink.ResetWrittenCount();
            found += memtable.Get(NextKey(), SequenceNumber.Max, _sink) == LookupResult.Found ? 1 : 0;
        }
        return found;
    }

    private byte[] NextKey()
    {
        byte[] key = _keys[_keyCursor];
        _keyCursor = _keyCursor + 1 == _keys.Length ? 0 : _keyCursor + 1;
        return key;
    }
}
