using BenchmarkDotNet.Attributes;
using ManagedKv.Lsm.Keys;
using ManagedKv.Perf.Workloads;
using LsmValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Perf.Micro;

/// <summary>
/// Internal-key comparison (src/Lsm/Keys/InternalKey.cs), the comparator of every memtable, block and merge step,
/// over 1,024 pairs of 16-byte benchmark keys + trailer per invocation: pairs with distinct user keys sharing an
/// 8-byte prefix, and pairs of the same user key at different sequence numbers (versions of one key).
/// Also the index-block separator. Not sealed: BenchmarkDotNet derives from it.
/// </summary>
[MemoryDiagnoser]
public class InternalKeyBenchmarks
{
    private const int Count = 1024;
    private const int UserKeySize = 16;
    private readonly byte[][] _left = new byte[Count][];
    private readonly byte[][] _right = new byte[Count][];
    private readonly byte[][] _versionLeft = new byte[Count][];
    private readonly byte[][] _versionRight = new byte[Count][];
    private readonly byte[] _separator = new byte[UserKeySize];

    [GlobalSetup]
    public void Setup()
    {
        var random = new FastRandom(11);
        Span<byte> user = stackalloc byte[UserKeySize];
        for (int i = 0; i < Count; i++)
        {
            ulong a = random.Below(1_000_000);
            ulong b = random.Below(1_000_000);
            KeyFormat.Write(user, a);
            _left[i] = InternalKey.Create(user, random.Below(1 << 30), LsmValueType.Value);
            _versionLeft[i] = InternalKey.Create(user, 1000 + (ulong)i, LsmValueType.Value);
            _versionRight[i] = InternalKey.Create(user, 999 + (ulong)i, LsmValueType.Value);
            KeyFormat.Write(user, b);
            _right[i] = InternalKey.Create(user, random.Below(1 << 30), LsmValueType.Value);
        }
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public int CompareDistinctUserKeys()
    {
        int sum = 0;
        for (int i = 0; i < Count; i++)
        {
            sum += InternalKey.Compare(_left[i], _right[i]);
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public int CompareVersionsOfOneKey()
    {
        int sum = 0;
        for (int i = 0; i < Count; i++)
        {
            sum += InternalKey.Compare(_versionLeft[i], _versionRight[i]);
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public int FindShortestSeparator()
    {
        int sum = 0;
        for (int i = 0; i < Count; i++)
        {
            ReadOnlySpan<byte> a = InternalKey.UserKey(_left[i]);
            ReadOnlySpan<byte> b = InternalKey.UserKey(_right[i]);
            sum += a.SequenceCompareTo(b) < 0
                ? BytewiseComparator.FindShortestSeparator(a, b, _separator)
                : BytewiseComparator.FindShortestSeparator(b, a, _separator);
        }
        return sum;
    }
}
