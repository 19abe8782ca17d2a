namespace ManagedKv.Perf.Workloads;

/// <summary>
/// The harness's model of which key numbers an engine's DB holds: one bit per key number, set by writes and
/// cleared by deletes (atomically, so concurrent writer threads may share it). Gives the live data size for space
/// amplification and the expected outcome of every lookup, so a wrong answer from an engine is counted.
/// </summary>
internal sealed class LiveKeySet
{
    private readonly ulong[] _bits;

    public LiveKeySet(long capacity)
    {
        Capacity = capacity;
        _bits = new ulong[(capacity + 63) / 64];
    }

    public long Capacity { get; }

    public void Add(ulong number) => Interlocked.Or(ref _bits[number >> 6], 1UL << (int)(number & 63));

    public void Remove(ulong number) => Interlocked.And(ref _bits[number >> 6], ~(1UL << (int)(number & 63)));

    public bool Contains(ulong number) => (Volatile.Read(ref _bits[number >> 6]) & (1UL << (int)(number & 63))) != 0;

    public long Count()
    {
        long count = 0;
        foreach (ulong word in _bits)
        {
            count += System.Numerics.BitOperations.PopCount(word);
        }
        return count;
    }
}
