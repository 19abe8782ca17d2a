namespace ManagedKv.Perf.Measurement;

/// <summary>
/// Per-thread operation counters, one cache line apart so worker threads never share a line. Each slot has one
/// writer (its worker thread, plain increments); the sampler thread reads all slots with volatile reads.
/// Two kinds per thread: reads and writes (readwhilewriting and mixed report them apart).
/// </summary>
internal sealed class OpCounters
{
    private const int Stride = 16; // 128 bytes between slots
    private readonly long[] _slots;

    public OpCounters(int threads)
    {
        Threads = threads;
        _slots = new long[(threads * 2 + 1) * Stride];
    }

    public int Threads { get; }

    public void AddRead(int thread, long n = 1) => _slots[(thread * 2 + 1) * Stride] += n;

    public void AddWrite(int thread, long n = 1) => _slots[(thread * 2 + 2) * Stride] += n;

    public long TotalReads()
    {
        long sum = 0;
        for (int t = 0; t < Threads; t++)
        {
            sum += Volatile.Read(ref _slots[(t * 2 + 1) * Stride]);
        }
        return sum;
    }

    public long TotalWrites()
    {
        long sum = 0;
        for (int t = 0; t < Threads; t++)
        {
            sum += Volatile.Read(ref _slots[(t * 2 + 2) * Stride]);
        }
        return sum;
    }
}
