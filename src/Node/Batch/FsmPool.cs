using System.Diagnostics;

namespace ManagedKv.Node.Batch;

/// <summary>
/// A fixed pool of poller threads over a queue of ready FSMs (TiKV's batch-system Poller): each round a thread takes up
/// to <c>maxBatchSize</c> FSMs, lets its handler drain each one's mailbox (bounded per round, for fairness), ends the
/// round for the batch, then queues again the FSMs with messages left and lowers the flag of the others (re-queueing
/// any that received a message in between). An idle thread waits on the queue's monitor; no thread per FSM.
/// Thread-safe: <see cref="Schedule"/> from anywhere.
/// </summary>
internal sealed class FsmPool<T> : IDisposable
    where T : Fsm
{
    private readonly object _lock = new(); // guards _ready, _waiting, _stopping
    private readonly Queue<T> _ready = new();
    private readonly Thread[] _threads;
    private readonly int _maxBatchSize;
    private readonly Action<Exception> _onError;
    private int _waiting;
    private bool _stopping;
    private long _rounds;

    public FsmPool(string name, int threads, int maxBatchSize, Func<IPollHandler<T>> handlerFactory, Action<Exception> onError)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        _maxBatchSize = maxBatchSize;
        _onError = onError;
        _threads = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            IPollHandler<T> handler = handlerFactory();
            _threads[i] = new Thread(() => Poll(handler)) { IsBackground = true, Name = $"{name}-{i}" };
        }
    }

    /// <summary>Poll rounds run so far (all threads).</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    /// <summary>FSMs queued and not yet taken.</summary>
    public int QueuedFsms
    {
        get
        {
            lock (_lock)
            {
                return _ready.Count;
            }
        }
    }

    public void Start()
    {
        foreach (Thread t in _threads)
        {
            t.Start();
        }
    }

    /// <summary>Queues <paramref name="fsm"/> unless it is already queued or running.</summary>
    public void Schedule(T fsm)
    {
        if (fsm.TryMarkScheduled())
        {
            Enqueue(fsm);
        }
    }

    /// <summary>Stops the threads after their current round and waits for them; FSMs still queued are left (their
    /// owner fails what they hold). Idempotent; not from a pool thread.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _stopping = true;
            Monitor.PulseAll(_lock);
        }

        // Joined on every call: a second caller (dispose after a fatal stop) also waits for the threads to end.

        foreach (Thread t in _threads)
        {
            if (t.ThreadState != System.Threading.ThreadState.Unstarted)
            {
                t.Join();
            }
        }
    }

    private void Enqueue(T fsm)
    {
        lock (_lock)
        {
            _ready.Enqueue(fsm);
            if (_waiting > 0)
            {
                Monitor.Pulse(_lock);
            }
        }
    }

    private void Poll(IPollHandler<T> handler)
    {
        var batch = new List<T>(_maxBatchSize);
        var more = new List<bool>(_maxBatchSize);
        while (true)
        {
            batch.Clear();
            more.Clear();
            lock (_lock)
            {
                while (_ready.Count == 0 && !_stopping)
                {
                    _waiting++;
                    Monitor.Wait(_lock);
                    _waiting--;
                }

                if (_stopping)
                {
                    return;
                }

                while (batch.Count < _maxBatchSize && _ready.TryDequeue(out T? fsm))
                {
                    batch.Add(fsm);
                }
            }

            try
            {
                foreach (T fsm in batch)
                {
                    more.Add(handler.Handle(fsm));
                }

                handler.EndRound(batch);
            }
            catch (Exception e)
            {
                // An engine write or an apply failed: the store cannot go on. This thread stops; the owner closes
                // the router and, on dispose, fails what is still queued.
                _onError(e);
                handler.Abort(batch);
                return;
            }

            Interlocked.Increment(ref _rounds);
            Debug.Assert(more.Count == batch.Count, "one answer per FSM");
            for (int i = 0; i < batch.Count; i++)
            {
                T fsm = batch[i];
                if (more[i])
                {
                    Enqueue(fsm);
                    continue;
                }

                fsm.ClearScheduled();
                if (fsm.HasPending)
                {
                    Schedule(fsm);
                }
            }
        }
    }
}
