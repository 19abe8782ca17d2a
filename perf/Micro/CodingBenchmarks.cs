using BenchmarkDotNet.Attributes;
using ManagedKv.Lsm.Util;
using ManagedKv.Perf.Workloads;

namespace ManagedKv.Perf.Micro;

/// <summary>
/// Varint and fixed-width coding (src/Lsm/Util/Coding.cs) over 1,024 values per invocation whose sizes follow what
/// the engine encodes: mostly short lengths, some sequence numbers and file sizes. Not sealed: BenchmarkDotNet
/// derives from benchmark classes.
/// </summary>
[MemoryDiagnoser]
public class CodingBenchmarks
{
    private const int Count = 1024;
    private readonly ulong[] _values = new ulong[Count];
    private readonly uint[] _small = new uint[Count];
    private readonly byte[] _buffer = new byte[Count * Coding.MaxVarint64Length];
    private readonly byte[] _smallBuffer = new byte[Count * Coding.MaxVarint32Length];
    private int _encodedLength;
    private int _smallEncodedLength;

    [GlobalSetup]
    public void Setup()
    {
        var random = new FastRandom(42);
        for (int i = 0; i < Count; i++)
        {
            int bits = (int)random.Below(100) switch { < 60 => 7, < 85 => 14, < 95 => 28, _ => 56 };
            _values[i] = random.Next() & ((1UL << bits) - 1);
            _small[i] = (uint)random.Below(128);
        }
        _encodedLength = EncodeVarint64();
        int pos = 0;
        foreach (uint v in _small)
        {
            pos += Coding.WriteVarint32(_smallBuffer.AsSpan(pos), v);
        }
        _smallEncodedLength = pos;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public int EncodeVarint64()
    {
        Span<byte> buffer = _buffer;
        int pos = 0;
        foreach (ulong v in _values)
        {
            pos += Coding.WriteVarint64(buffer[pos..], v);
        }
        return pos;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public ulong DecodeVarint64()
    {
        ReadOnlySpan<byte> buffer = _buffer.AsSpan(0, _encodedLength);
        ulong sum = 0;
        int pos = 0;
        while (pos < buffer.Length)
        {
            pos += Coding.TryReadVarint64(buffer[pos..], out ulong v);
            sum += v;
        }
        return sum;
    }

    /// <summary>One-byte varints: the fast path taken for block entry lengths.</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public uint DecodeVarint32OneByte()
    {
        ReadOnlySpan<byte> buffer = _smallBuffer.AsSpan(0, _smallEncodedLength);
        uint sum = 0;
        int pos = 0;
        while (pos < buffer.Length)
        {
            pos += Coding.TryReadVarint32(buffer[pos..], out uint v);
            sum += v;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public ulong Fixed64RoundTrip()
    {
        Span<byte> buffer = _buffer;
        ulong sum = 0;
        for (int i = 0; i < Count; i++)
        {
            Coding.WriteFixed64(buffer[(i * 8)..], _values[i]);
            sum += Coding.ReadFixed64(buffer[(i * 8)..]);
        }
        return sum;
    }
}
