using ManagedKv.Perf.Engines;
using ManagedKv.Perf.Measurement;

namespace ManagedKv.Perf.Workloads;

/// <summary>
/// One worker thread's state: its share of the operations, its generator, its key and value buffers, its latency
/// histograms and counters. Everything is allocated before the timed loop so the loop allocates nothing.
/// Owned by one worker thread while it runs; read by the driver after the join.
/// </summary>
internal sealed class WorkerContext
{
    public WorkerContext(int index, long begin, long count, ulong seed, int keySize, int valueSize)
    {
        Index = index;
        Begin = begin;
        Count = count;
        Random = new FastRandom(seed);
        Key = new byte[keySize];
        ValueBuffer = new byte[Math.Max(valueSize, 1) * 2];
        ValueCursor = (int)(seed % 4096) * Math.Max(valueSize, 1);
    }

    public int Index { get; }

    /// <summary>First key number of this thread's range (fillseq).</summary>
    public long Begin { get; }

    /// <summary>Operations this thread performs (readers of readwhilewriting; the writer runs until told to stop).</summary>
    public long Count { get; }

    public FastRandom Random;

    public byte[] Key { get; }

    public byte[] ValueBuffer { get; }

    public int ValueCursor;

    public LatencyHistogram Latency { get; } = new();

    public LatencyHistogram WriteLatency { get; } = new();

    public IBenchWriteBatch? Batch { get; set; }

    public long Reads;
    public long Writes;
    public long Found;
    public long VerifyErrors;
    public long UserBytesRead;
    public long UserBytesWritten;
    public long AllocatedBytes;
    public Exception? Error;
}
