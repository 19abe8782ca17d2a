using System.Collections.Concurrent;

namespace ManagedKv.Node.Server;

/// <summary>
/// The KV service's bounded worker: a fixed set of dedicated background threads fed by a bounded queue, on which the
/// blocking <see cref="Kv.RaftKvEngine"/> calls run (TiKV's read pool / scheduler worker pool). gRPC handlers stay on
/// the thread pool and only await; a blocked call holds one of these threads, never a pool thread, so the pool's
/// starvation heuristics never inject threads and the thread count stays <see cref="ThreadCount"/>.
/// </summary>
/// <remarks>
/// Why dedicated threads and not <c>Task.Factory.StartNew(LongRunning)</c>: LongRunning creates a new thread per task,
/// so a semaphore would bound the concurrency but not the thread churn; fixed threads cost nothing between requests.
/// Admission: <see cref="TryRun{T}"/> refuses (returns false) when <see cref="QueueCapacity"/> items are already
/// waiting or the pool is disposed; the service answers that as <c>server_is_busy</c>, which clients back off on.
/// A queued item whose cancellation token has fired by the time a thread takes it is skipped (its task is
/// canceled). <see cref="Dispose"/> stops admitting, lets the threads finish what is queued, and joins them.
/// Thread-safe.
/// </remarks>
public sealed class KvWorkerPool : IDisposable
{
    private readonly BlockingCollection<Action> _queue;
    private readonly Thread[] _threads;
    private int _disposed;

    /// <summary>Starts <paramref name="threadCount"/> threads named "<paramref name="name"/>-i" over a queue of
    /// <paramref name="queueCapacity"/> waiting items.</summary>
    public KvWorkerPool(int threadCount, int queueCapacity, string name = "kv-worker")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        ThreadCount = threadCount;
        QueueCapacity = queueCapacity;
        _queue = new BlockingCollection<Action>(new ConcurrentQueue<Action>(), queueCapacity);
        _threads = new Thread[threadCount];
        for (int i = 0; i < threadCount; i++)
        {
            _threads[i] = new Thread(Loop) { IsBackground = true, Name = $"{name}-{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>The number of worker threads.</summary>
    public int ThreadCount { get; }

    /// <summary>How many items may wait for a thread.</summary>
    public int QueueCapacity { get; }

    /// <summary>Items waiting for a thread now.</summary>
    public int Queued => _queue.Count;

    /// <summary>
    /// Queues <paramref name="body"/> (with <paramref name="state"/>) to run on a worker thread; <paramref name="task"/>
    /// completes with its result or exception (continuations run asynchronously, never on the worker). False when the
    /// queue is full or the pool is disposed.
    /// </summary>
    public bool TryRun<TState, T>(Func<TState, T> body, TState state, CancellationToken cancellationToken, out Task<T> task)
    {
        ArgumentNullException.ThrowIfNull(body);
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        task = completion.Task;
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        void Execute()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                completion.TrySetCanceled(cancellationToken);
                return;
            }

            try
            {
                completion.TrySetResult(body(state));
            }
            catch (Exception e)
            {
                completion.TrySetException(e);
            }
        }

        try
        {
            return _queue.TryAdd(Execute);
        }
        catch (InvalidOperationException)
        {
            return false; // adding completed: disposed concurrently
        }
    }

    /// <summary>Stops admitting, runs what is queued, and joins the threads.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.CompleteAdding();
        foreach (Thread t in _threads)
        {
            if (t != Thread.CurrentThread)
            {
                t.Join();
            }
        }

        _queue.Dispose();
    }

    private void Loop()
    {
        foreach (Action item in _queue.GetConsumingEnumerable())
        {
            item();
        }
    }
}
