namespace ManagedKv.Txn;

/// <summary>
/// Runs transactional write commands: admission against a memory quota (ServerIsBusy beyond it), hashed key latches
/// so commands on overlapping keys serialize, a fresh engine snapshot per command, the action logic, one atomic
/// engine write, then release of async-commit memory locks and latches. Non-conflicting commands run in parallel on
/// their callers' threads. Thread-safe.
/// </summary>
public sealed class TxnScheduler
{
    private readonly IKvEngine _engine;
    private readonly ConcurrencyManager _cm;
    private readonly TxnSchedulerOptions _options;
    private readonly Latches _latches;
    private readonly LockWaitSignal _lockWait = new();
    private long _pendingWriteBytes;
    private long _busyRejections;

    public TxnScheduler(IKvEngine engine, ConcurrencyManager cm, TxnSchedulerOptions? options = null)
    {
        _engine = engine;
        _cm = cm;
        _options = options ?? new TxnSchedulerOptions();
        _latches = new Latches(_options.LatchSlots);
    }

    /// <summary>Bytes of admitted write commands not yet finished.</summary>
    public long PendingWriteBytes => Interlocked.Read(ref _pendingWriteBytes);

    /// <summary>Commands refused with ServerIsBusy so far.</summary>
    public long BusyRejections => Interlocked.Read(ref _busyRejections);

    internal Latches Latches => _latches;

    internal LockWaitSignal LockWait => _lockWait;

    internal TResponse Execute<TResponse>(TxnCommand<TResponse> command)
        where TResponse : TxnResponse, new()
    {
        long bytes = command.WriteBytes;
        long pending = Interlocked.Add(ref _pendingWriteBytes, bytes);
        if (pending > _options.PendingWriteQuotaBytes && pending != bytes)
        {
            Interlocked.Add(ref _pendingWriteBytes, -bytes);
            Interlocked.Increment(ref _busyRejections);
            return new TResponse
            {
                ServerIsBusy = new ServerIsBusy($"scheduler pending writes {pending - bytes} bytes exceed {_options.PendingWriteQuotaBytes}", _options.BusyBackoffMs),
            };
        }
        int[] slots = _latches.Acquire(command.LatchKeys);
        try
        {
            var txn = new MvccTxn(command.StartTs);
            TResponse response;
            try
            {
                using IKvSnapshot snapshot = _engine.GetSnapshot();
                using var reader = new MvccReader(snapshot);
                response = command.Process(reader, txn, _cm);
                if (txn.Batch.Count > 0)
                {
                    _engine.Write(txn.Batch);
                }
            }
            finally
            {
                foreach (byte[] key in txn.MemoryLockKeys)
                {
                    _cm.RemoveMemoryLock(key);
                }
            }
            if (txn.ReleasedLocks && txn.Batch.Count > 0)
            {
                _lockWait.Notify();
            }
            return response;
        }
        finally
        {
            _latches.Release(slots);
            Interlocked.Add(ref _pendingWriteBytes, -bytes);
        }
    }
}
