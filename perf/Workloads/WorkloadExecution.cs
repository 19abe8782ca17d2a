using System.Diagnostics;
using ManagedKv.Perf.Engines;
using ManagedKv.Perf.Measurement;

namespace ManagedKv.Perf.Workloads;

/// <summary>
/// One workload on one open engine: splits the operations over worker threads, runs the timed loops, and holds the
/// per-thread results for <see cref="WorkloadRunner"/> to aggregate. The loops allocate nothing: keys are written into
/// each thread's buffer, values are slices of the shared <see cref="ValueSource"/>, latencies go into preallocated
/// histograms. Scans time one Next in every <see cref="ScanLatencySampling"/> so the clock reads do not dominate them.
/// Created and run once by the driver thread.
/// </summary>
internal sealed class WorkloadExecution
{
    /// <summary>Scans record the latency of one step in this many.</summary>
    public const int ScanLatencySampling = 16;

    private const int AbortCheckMask = 1023;

    private readonly Workload _workload;
    private readonly IBenchEngine _engine;
    private readonly LiveKeySet _live;
    private readonly ValueSource _values;
    private readonly ulong _keySpace;
    private readonly int _keySize;
    private readonly int _valueSize;
    private readonly int _batchSize;
    private readonly int _seekNexts;
    private readonly int _readPercent;
    private readonly long _writerOpsPerSecond;
    private readonly bool _sync;
    private readonly bool _verifyPresence;
    private readonly long _liveAtStart;
    private readonly WorkerContext[] _workers;
    private readonly WorkerContext? _writer;
    private readonly Barrier _startLine;
    private volatile bool _abort;
    private volatile bool _stopWriter;

    public WorkloadExecution(Workload workload, IBenchEngine engine, LiveKeySet live, ValueSource values, Cli.BenchConfig config)
    {
        _workload = workload;
        _engine = engine;
        _live = live;
        _values = values;
        _keySpace = (ulong)config.Num;
        _keySize = config.KeySize;
        _valueSize = config.ValueSize;
        _batchSize = config.BatchSize;
        _seekNexts = config.SeekNexts;
        _readPercent = config.ReadPercent;
        _writerOpsPerSecond = config.WriterOpsPerSecond;
        _sync = config.Sync || workload == Workload.FillSync;
        _liveAtStart = workload is Workload.ReadSeq or Workload.ReadReverse ? live.Count() : 0;

        int threads = workload switch
        {
            Workload.FillSync => config.SyncThreads,
            Workload.Flush or Workload.Compact => 1,
            _ => config.Threads,
        };
        long total = workload switch
        {
            Workload.FillSeq or Workload.FillRandom or Workload.Overwrite or Workload.DeleteRandom => config.Num,
            Workload.FillSync => config.EffectiveSyncNum,
            Workload.Flush or Workload.Compact => 1,
            Workload.ReadSeq or Workload.ReadReverse => config.EffectiveReads * threads, // each thread scans
            _ => config.EffectiveReads,
        };
        bool concurrentWriters = workload == Workload.ReadWhileWriting || (workload == Workload.Mixed && threads > 1);
        _verifyPresence = !concurrentWriters;

        _workers = new WorkerContext[threads];
        long share = total / threads;
        long begin = 0;
        for (int t = 0; t < threads; t++)
        {
            long count = t == 0 ? total - share * (threads - 1) : share;
            if (workload is Workload.ReadSeq or Workload.ReadReverse)
            {
                count = config.EffectiveReads;
            }
            _workers[t] = new WorkerContext(t, begin, count, Seed(config.Seed, workload, t), _keySize, _valueSize);
            if (_batchSize > 1)
            {
                _workers[t].Batch = engine.NewWriteBatch();
            }
            begin += count;
        }
        if (workload == Workload.ReadWhileWriting)
        {
            _writer = new WorkerContext(threads, 0, long.MaxValue, Seed(config.Seed, workload, threads), _keySize, _valueSize);
        }
        ExpectedOperations = total;
        Counters = new OpCounters(threads + (_writer is null ? 0 : 1));
        _startLine = new Barrier(Counters.Threads + 1);
    }

    public OpCounters Counters { get; }

    public long ExpectedOperations { get; }

    public IReadOnlyList<WorkerContext> Workers => _workers;

    public WorkerContext? Writer => _writer;

    public string LatencyUnit => _workload switch
    {
        Workload.ReadSeq or Workload.ReadReverse => $"1 in {ScanLatencySampling} steps",
        Workload.FillSeq or Workload.FillRandom or Workload.Overwrite or Workload.FillSync when _batchSize > 1 => $"batch of {_batchSize}",
        _ => "op",
    };

    /// <summary>
    /// Starts the worker threads, lets them pass the start line together, and waits for them.
    /// <paramref name="onStart"/> runs on the driver thread right before the start line opens (start the clock there).
    /// Returns the first worker error, or null.
    /// </summary>
    public Exception? Run(Action onStart)
    {
        var threads = new List<Thread>(Counters.Threads);
        foreach (WorkerContext worker in _workers)
        {
            threads.Add(StartThread(worker, isWriter: false));
        }
        Thread? writerThread = _writer is null ? null : StartThread(_writer, isWriter: true);

        onStart();
        _startLine.SignalAndWait();
        foreach (Thread thread in threads)
        {
            thread.Join();
        }
        _stopWriter = true;
        writerThread?.Join();
        _startLine.Dispose();

        foreach (WorkerContext worker in _workers)
        {
            worker.Batch?.Dispose();
            if (worker.Error is not null)
            {
                return worker.Error;
            }
        }
        return _writer?.Error;
    }

    private Thread StartThread(WorkerContext context, bool isWriter)
    {
        var thread = new Thread(() => WorkerMain(context, isWriter))
        {
            IsBackground = true,
            Name = isWriter ? "perf-writer" : "perf-worker-" + context.Index,
        };
        thread.Start();
        return thread;
    }

    private void WorkerMain(WorkerContext c, bool isWriter)
    {
        _startLine.SignalAndWait();
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            if (isWriter)
            {
                BackgroundWriter(c);
            }
            else
            {
                switch (_workload)
                {
                    case Workload.FillSeq: FillSeq(c); break;
                    case Workload.FillRandom:
                    case Workload.Overwrite:
                    case Workload.FillSync: WriteRandom(c); break;
                    case Workload.ReadRandom:
                    case Workload.ReadWhileWriting: ReadRandom(c); break;
                    case Workload.ReadMissing: ReadMissing(c); break;
                    case Workload.ReadSeq: Scan(c, forward: true); break;
                    case Workload.ReadReverse: Scan(c, forward: false); break;
                    case Workload.SeekRandom: SeekRandom(c); break;
                    case Workload.DeleteRandom: DeleteRandom(c); break;
                    case Workload.Mixed: Mixed(c); break;
                    case Workload.Flush: Timed(c, static e => e.Flush()); break;
                    case Workload.Compact: Timed(c, static e => e.CompactAll()); break;
                    default: throw new ArgumentOutOfRangeException(nameof(_workload), _workload, null);
                }
            }
        }
        catch (Exception e)
        {
            c.Error = e;
            _abort = true;
        }
        c.AllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
    }

    private bool Aborted(long i) => (i & AbortCheckMask) == 0 && _abort;

    private void FillSeq(WorkerContext c)
    {
        for (long i = 0; i < c.Count && !Aborted(i); i++)
        {
            WriteOne(c, (ulong)(c.Begin + i));
        }
        CommitBatch(c);
    }

    private void WriteRandom(WorkerContext c)
    {
        for (long i = 0; i < c.Count && !Aborted(i); i++)
        {
            WriteOne(c, c.Random.Below(_keySpace));
        }
        CommitBatch(c);
    }

    private void WriteOne(WorkerContext c, ulong number)
    {
        KeyFormat.Write(c.Key, number);
        ReadOnlySpan<byte> value = _values.Next(ref c.ValueCursor);
        if (c.Batch is null)
        {
            long t0 = Stopwatch.GetTimestamp();
            _engine.Put(c.Key, value, _sync);
            c.Latency.Record(Stopwatch.GetTimestamp() - t0);
        }
        else
        {
            c.Batch.Put(c.Key, value);
            if (c.Batch.Count >= _batchSize)
            {
                CommitBatch(c);
            }
        }
        _live.Add(number);
        c.Writes++;
        c.UserBytesWritten += _keySize + value.Length;
        Counters.AddWrite(c.Index);
    }

    private void CommitBatch(WorkerContext c)
    {
        if (c.Batch is null || c.Batch.Count == 0)
        {
            return;
        }
        long t0 = Stopwatch.GetTimestamp();
        _engine.Write(c.Batch, _sync);
        c.Latency.Record(Stopwatch.GetTimestamp() - t0);
        c.Batch.Clear();
    }

    private void ReadRandom(WorkerContext c)
    {
        for (long i = 0; i < c.Count && !Aborted(i); i++)
        {
            ReadOne(c);
        }
    }

    private void ReadOne(WorkerContext c)
    {
        ulong number = c.Random.Below(_keySpace);
        KeyFormat.Write(c.Key, number);
        long t0 = Stopwatch.GetTimestamp();
        int length = _engine.Get(c.Key, c.ValueBuffer);
        c.Latency.Record(Stopwatch.GetTimestamp() - t0);
        c.Reads++;
        Counters.AddRead(c.Index);
        if (length >= 0)
        {
            c.Found++;
            c.UserBytesRead += _keySize + length;
            if (length != _valueSize || (_verifyPresence && !_live.Contains(number)))
            {
                c.VerifyErrors++;
            }
        }
        else if (_verifyPresence && _live.Contains(number))
        {
            c.VerifyErrors++;
        }
    }

    private void ReadMissing(WorkerContext c)
    {
        for (long i = 0; i < c.Count && !Aborted(i); i++)
        {
            KeyFormat.WriteMissing(c.Key, c.Random.Below(_keySpace));
            long t0 = Stopwatch.GetTimestamp();
            int length = _engine.Get(c.Key, c.ValueBuffer);
            c.Latency.Record(Stopwatch.GetTimestamp() - t0);
            c.Reads++;
            Counters.AddRead(c.Index);
            if (length >= 0)
            {
                c.Found++;
                c.VerifyErrors++; // these keys are never written
            }
        }
    }

    /// <summary>readseq (forward) / readreverse: one full scan, checking that keys strictly ascend (descend).</summary>
    private void Scan(WorkerContext c, bool forward)
    {
        using IBenchIterator it = _engine.NewIterator();
        long t0 = Stopwatch.GetTimestamp();
        if (forward)
        {
            it.SeekToFirst();
        }
        else
        {
            it.SeekToLast();
        }
        c.Latency.Record(Stopwatch.GetTimestamp() - t0);
        int previousLength = -1;
        long n = 0;
        while (it.Valid && n < c.Count)
        {
            ReadOnlySpan<byte> key = it.Key;
            if (previousLength >= 0)
            {
                int order = key.SequenceCompareTo(c.Key.AsSpan(0, previousLength));
                if (forward ? order <= 0 : order >= 0)
                {
                    c.VerifyErrors++;
                }
            }
            previousLength = CopyKey(key, c.Key);
            c.UserBytesRead += key.Length + it.Value.Length;
            n++;
            Counters.AddRead(c.Index);
            bool timed = (n & (ScanLatencySampling - 1)) == 0;
            long s = timed ? Stopwatch.GetTimestamp() : 0;
            if (forward)
            {
                it.Next();
            }
            else
            {
                it.Prev();
            }
            if (timed)
            {
                c.Latency.Record(Stopwatch.GetTimestamp() - s);
            }
        }
        FinishScan(c, n, it.Valid);
    }

    private static int CopyKey(ReadOnlySpan<byte> key, byte[] into)
    {
        int length = Math.Min(key.Length, into.Length);
        key[..length].CopyTo(into);
        return length;
    }

    /// <summary>A scan that reached the end must have seen exactly the live keys.</summary>
    private void FinishScan(WorkerContext c, long entries, bool stillValid)
    {
        c.Reads = entries;
        c.Found = entries;
        if (!stillValid && entries < c.Count && entries != _liveAtStart)
        {
            c.VerifyErrors += Math.Abs(entries - _liveAtStart);
        }
    }

    private void SeekRandom(WorkerContext c)
    {
        using IBenchIterator it = _engine.NewIterator();
        for (long i = 0; i < c.Count && !Aborted(i); i++)
        {
            ulong number = c.Random.Below(_keySpace);
            KeyFormat.Write(c.Key, number);
            long t0 = Stopwatch.GetTimestamp();
            it.Seek(c.Key);
            if (it.Valid && it.Key.SequenceEqual(c.Key))
            {
                c.Found++;
            }
            for (int j = 0; j < _seekNexts && it.Valid; j++)
            {
                c.UserBytesRead += it.Key.Length + it.Value.Length;
                it.Next();
            }
            c.Latency.Record(Stopwatch.GetTimestamp() - t0);
            c.Reads++;
            Counters.AddRead(c.Index);
        }
    }

    private void DeleteRandom(WorkerContext c)
    {
        for (long i = 0; i < c.Count && !Aborted(i); i++)
        {
            ulong number = c.Random.Below(_keySpace);
            KeyFormat.Write(c.Key, number);
            long t0 = Stopwatch.GetTimestamp();
            _engine.Delete(c.Key, _sync);
            c.Latency.Record(Stopwatch.GetTimestamp() - t0);
            _live.Remove(number);
            c.Writes++;
            c.UserBytesWritten += _keySize;
            Counters.AddWrite(c.Index);
        }
    }

    private void Mixed(WorkerContext c)
    {
        for (long i = 0; i < c.Count && !Aborted(i); i++)
        {
            if (c.Random.Percent() < _readPercent)
            {
                ReadOne(c);
            }
            else
            {
                WriteOne(c, c.Random.Below(_keySpace));
            }
        }
    }

    /// <summary>readwhilewriting's writer: overwrites random keys until the readers finish, optionally rate-limited.</summary>
    private void BackgroundWriter(WorkerContext c)
    {
        long start = Stopwatch.GetTimestamp();
        double ticksPerWrite = _writerOpsPerSecond > 0 ? (double)Stopwatch.Frequency / _writerOpsPerSecond : 0;
        long n = 0;
        while (!_stopWriter && !_abort)
        {
            if (ticksPerWrite > 0)
            {
                long due = start + (long)(n * ticksPerWrite);
                long wait = due - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    Thread.Sleep(TimeSpan.FromTicks(Math.Max(1, wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
                    continue;
                }
            }
            ulong number = c.Random.Below(_keySpace);
            KeyFormat.Write(c.Key, number);
            ReadOnlySpan<byte> value = _values.Next(ref c.ValueCursor);
            long t0 = Stopwatch.GetTimestamp();
            _engine.Put(c.Key, value, _sync);
            c.WriteLatency.Record(Stopwatch.GetTimestamp() - t0);
            _live.Add(number);
            c.Writes++;
            c.UserBytesWritten += _keySize + value.Length;
            Counters.AddWrite(c.Index);
            n++;
        }
    }

    private void Timed(WorkerContext c, Action<IBenchEngine> operation)
    {
        long t0 = Stopwatch.GetTimestamp();
        operation(_engine);
        c.Latency.Record(Stopwatch.GetTimestamp() - t0);
        c.Writes++;
        Counters.AddWrite(c.Index);
    }

    private static ulong Seed(ulong seed, Workload workload, int thread) =>
        seed * 0x9E3779B97F4A7C15UL + ((ulong)workload << 32) + (ulong)thread + 1;
}
