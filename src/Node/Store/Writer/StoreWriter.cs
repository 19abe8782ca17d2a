using ManagedKv.Raft;
using ManagedKv.RaftEngine;

namespace ManagedKv.Node.Store;

/// <summary>
/// The store's asynchronous Raft log writer (TiKV's async store writer, store-io-pool): peers of every region hand it
/// their Ready's persistence work as <see cref="WriteTask"/>s; a writer thread gathers the tasks queued meanwhile —
/// from any number of regions, up to <see cref="StoreWriterOptions.MaxBatchBytes"/> — into ONE
/// <see cref="LogBatch"/>, writes it with ONE <see cref="RaftLogEngine.Write"/> (one fsync for all of them), then
/// reports each task to its <see cref="IWriteTaskCallback"/>, in submission order. No thread per region: a fixed
/// number of workers, region id modulo workers, so one region's tasks stay in order.
/// </summary>
/// <remarks>
/// Threading: <see cref="Submit"/> from any thread (peer threads); it blocks while the worker's bounded queue is full.
/// Callbacks run on the writer thread. A failed write is sticky (as the RaftEngine's own sync errors): that task and
/// every later one come back with <see cref="WriteTask.Error"/> set and nothing written.
/// </remarks>
public sealed class StoreWriter : IDisposable
{
    private readonly RaftLogEngine _engine;
    private readonly StoreWriterOptions _options;
    private readonly Worker[] _workers;
    private long _writes;
    private long _tasks;
    private long _bytesWritten;
    private long _queuedTasks;
    private long _queuedBytes;
    private int _maxRegionsPerWrite;
    private int _maxTasksPerWrite;
    private volatile bool _disposed;

    /// <summary>Starts the writer threads over <paramref name="engine"/>.</summary>
    public StoreWriter(RaftLogEngine engine, StoreWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _options = options ?? new StoreWriterOptions();
        _options.Validate();
        _workers = new Worker[_options.Workers];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Worker(this, i);
        }
    }

    /// <summary>RaftEngine writes issued (each one fsync when <see cref="StoreWriterOptions.Sync"/>).</summary>
    public long WriteCount => Interlocked.Read(ref _writes);

    /// <summary>Tasks reported back.</summary>
    public long TaskCount => Interlocked.Read(ref _tasks);

    /// <summary>Bytes the RaftEngine took for all writes.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    /// <summary>Tasks queued, not yet written (memory held on behalf of peers).</summary>
    public long QueuedTasks => Interlocked.Read(ref _queuedTasks);

    /// <summary>Approximate payload bytes of the queued tasks (their entries stay pinned until written).</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>The most distinct regions one write has served.</summary>
    public int MaxRegionsPerWrite => Volatile.Read(ref _maxRegionsPerWrite);

    /// <summary>The most tasks one write has served.</summary>
    public int MaxTasksPerWrite => Volatile.Read(ref _maxTasksPerWrite);

    /// <summary>Bytes held by the writers' reusable buffers (batches, encoded entries).</summary>
    public long BufferBytes
    {
        get
        {
            long total = 0;
            foreach (Worker w in _workers)
            {
                total += w.BufferBytes;
            }

            return total;
        }
    }

    /// <summary>Queues <paramref name="task"/>; blocks while its worker's queue is full.</summary>
    /// <exception cref="ObjectDisposedException">The writer is disposed.</exception>
    public void Submit(WriteTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        ObjectDisposedException.ThrowIf(_disposed, this);
        long bytes = 0;
        foreach (Entry e in task.Entries)
        {
            bytes += e.SizeBytes;
        }

        task.ApproximateBytes = bytes + (task.HasRaftState ? StateFormat.MaxRaftLocalStateLength : 0);
        task.Error = null;
        _workers[(int)(task.RegionId % (ulong)_workers.Length)].Enqueue(task);
    }

    /// <summary>Writes what is queued, reports it, and stops the threads.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (Worker w in _workers)
        {
            w.Stop();
        }
    }

    private static void UpdateMax(ref int location, int value)
    {
        int current = Volatile.Read(ref location);
        while (value > current)
        {
            int seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>One writer thread with its bounded queue.</summary>
    private sealed class Worker
    {
        private readonly StoreWriter _owner;
        private readonly object _gate = new(); // guards _queue, _head, _count, _stopping; Monitor for waiting
        private readonly WriteTask?[] _queue;
        private readonly Thread _thread;
        private readonly List<WriteTask> _taken = [];
        private readonly HashSet<ulong> _regions = [];
        private readonly LogBatch _batch = new();
        private readonly EncodedEntryList _encoded = new();
        private int _head;
        private int _count;
        private bool _stopping;
        private Exception? _error; // sticky; written and read only by the worker thread

        public Worker(StoreWriter owner, int index)
        {
            _owner = owner;
            _queue = new WriteTask?[owner._options.QueueCapacity];
            _thread = new Thread(Run) { IsBackground = true, Name = $"store-writer-{index}" };
            _thread.Start();
        }

        public long BufferBytes => _encoded.CapacityBytes + _batch.ApproximateSize;

        public void Enqueue(WriteTask task)
        {
            lock (_gate)
            {
                while (_count == _queue.Length && !_stopping)
                {
                    Monitor.Wait(_gate);
                }

                ObjectDisposedException.ThrowIf(_stopping, _owner);
                _queue[(_head + _count) % _queue.Length] = task;
                _count++;
                Interlocked.Increment(ref _owner._queuedTasks);
                Interlocked.Add(ref _owner._queuedBytes, task.ApproximateBytes);
                if (_count == 1)
                {
                    Monitor.PulseAll(_gate);
                }
            }
        }

        public void Stop()
        {
            lock (_gate)
            {
                _stopping = true;
                Monitor.PulseAll(_gate);
            }

            _thread.Join();
        }

        private void Run()
        {
            while (Take())
            {
                WriteAndReport();
            }
        }

        // Moves queued tasks into _taken, up to the byte limit (at least one). False once stopped and drained.
        private bool Take()
        {
            long limit = _owner._options.MaxBatchBytes;
            lock (_gate)
            {
                while (_count == 0)
                {
                    if (_stopping)
                    {
                        return false;
                    }

                    Monitor.Wait(_gate);
                }

                long bytes = 0;
                while (_count > 0)
                {
                    WriteTask task = _queue[_head]!;
                    if (_taken.Count > 0 && bytes + task.ApproximateBytes > limit)
                    {
                        break;
                    }

                    bytes += task.ApproximateBytes;
                    _taken.Add(task);
                    _queue[_head] = null;
                    _head = (_head + 1) % _queue.Length;
                    _count--;
                }

                Monitor.PulseAll(_gate);
                return true;
            }
        }

        private void WriteAndReport()
        {
            StoreWriter owner = _owner;
            long queuedBytes = 0;
            _regions.Clear();
            if (_error is null)
            {
                try
                {
                    foreach (WriteTask task in _taken)
                    {
                        queuedBytes += task.ApproximateBytes;
                        AddToBatch(task);
                        _regions.Add(task.RegionId);
                    }

                    if (!_batch.IsEmpty)
                    {
                        long written = owner._engine.Write(_batch, owner._options.Sync);
                        Interlocked.Add(ref owner._bytesWritten, written);
                        Interlocked.Increment(ref owner._writes);
                        UpdateMax(ref owner._maxRegionsPerWrite, _regions.Count);
                        UpdateMax(ref owner._maxTasksPerWrite, _taken.Count);
                    }
                }
                catch (Exception e)
                {
                    _error = e;
                }
                finally
                {
                    _batch.Clear();
                    _encoded.Clear();
                }
            }
            else
            {
                foreach (WriteTask task in _taken)
                {
                    queuedBytes += task.ApproximateBytes;
                }
            }

            Interlocked.Add(ref owner._queuedTasks, -_taken.Count);
            Interlocked.Add(ref owner._queuedBytes, -queuedBytes);
            Interlocked.Add(ref owner._tasks, _taken.Count);
            foreach (WriteTask task in _taken)
            {
                task.Error = _error;
                task.Callback.OnWriteTaskDone(task);
            }

            _taken.Clear();
        }

        // Grammar of a task in the batch: AddEntries(region, first, entries) PutState(region, "R", RaftLocalState)
        // Compact(region, compactTo), each only when present (FORMAT.md, "Write task").
        private void AddToBatch(WriteTask task)
        {
            ulong region = task.RegionId;
            EntrySlice entries = task.Entries;
            if (!entries.IsEmpty)
            {
                _encoded.Clear();
                foreach (Entry e in entries)
                {
                    _encoded.Add(e);
                }

                _batch.AddEntries(region, entries[0].Index, _encoded);
            }

            if (task.HasRaftState)
            {
                Span<byte> value = stackalloc byte[StateFormat.MaxRaftLocalStateLength];
                int n = StateCodec.EncodeRaftLocalState(task.RaftState, value);
                ReadOnlySpan<byte> key = [StateFormat.RaftLocalStateKey];
                _batch.PutState(region, key, value[..n]);
            }

            if (task.CompactTo != 0)
            {
                _batch.Compact(region, task.CompactTo);
            }
        }
    }
}
