using System.Buffers;

namespace ManagedKv.Txn;

/// <summary>
/// The transactional KV API over an <see cref="IKvEngine"/> (TiKV's <c>Storage</c>): snapshot reads (Get, BatchGet,
/// Scan, ScanLock) run directly on a snapshot after raising max_ts and checking async-commit memory locks; writes
/// (Prewrite, PessimisticLock, Commit, BatchRollback, Cleanup, CheckTxnStatus, CheckSecondaryLocks, ResolveLock,
/// TxnHeartBeat, PessimisticRollback) go through the <see cref="TxnScheduler"/>. Requests and responses mirror
/// kvproto's messages field for field. Thread-safe.
/// </summary>
public sealed class TxnStorage
{
    private const int ResolveLockBatch = 256;

    private readonly IKvEngine _engine;
    private readonly ConcurrencyManager _cm;
    private readonly TxnScheduler _scheduler;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_value;

    public TxnStorage(IKvEngine engine, TxnSchedulerOptions? options = null, ConcurrencyManager? concurrencyManager = null)
    {
        _engine = engine;
        _cm = concurrencyManager ?? new ConcurrencyManager();
        _scheduler = new TxnScheduler(engine, _cm, options);
    }

    public IKvEngine Engine => _engine;

    public ConcurrencyManager ConcurrencyManager => _cm;

    public TxnScheduler Scheduler => _scheduler;

    /// <summary>KvGet: the value visible at <c>version</c>, or KeyIsLocked when a lock at or below it blocks.</summary>
    public GetResponse Get(GetRequest request)
    {
        var response = new GetResponse();
        byte[] key = MvccKey.Encode(request.Key);
        bool checkLocks = request.IsolationLevel == IsolationLevel.Si;
        if (checkLocks)
        {
            _cm.UpdateMaxTs(request.Version);
            response.Error = _cm.ReadKeyCheck(key, request.Version, request.ResolvedLocks);
            if (response.Error is not null)
            {
                return response;
            }
        }
        using IKvSnapshot snapshot = _engine.GetSnapshot();
        using var reader = new MvccReader(snapshot);
        if (checkLocks && reader.LoadLock(key) is { } lockRecord)
        {
            response.Error = ReadLockCheck.Check(lockRecord, key, request.Key, request.Version, request.ResolvedLocks);
            if (response.Error is not null)
            {
                return response;
            }
        }
        ArrayBufferWriter<byte> value = t_value ??= new ArrayBufferWriter<byte>(256);
        value.ResetWrittenCount();
        if (reader.TryGetValue(key, request.Version, value, out ulong commitTs))
        {
            response.Value = value.WrittenSpan.ToArray();
            response.CommitTs = commitTs;
        }
        else
        {
            response.NotFound = true;
        }
        return response;
    }

    /// <summary>KvBatchGet: present keys as pairs, locked keys as pairs with an error, absent keys omitted.</summary>
    public BatchGetResponse BatchGet(BatchGetRequest request)
    {
        var response = new BatchGetResponse();
        bool checkLocks = request.IsolationLevel == IsolationLevel.Si;
        var encoded = new byte[request.Keys.Length][];
        for (int i = 0; i < encoded.Length; i++)
        {
            encoded[i] = MvccKey.Encode(request.Keys[i]);
        }
        if (checkLocks)
        {
            _cm.UpdateMaxTs(request.Version);
            for (int i = 0; i < encoded.Length; i++)
            {
                if (_cm.ReadKeyCheck(encoded[i], request.Version, request.ResolvedLocks) is { } memoryLocked)
                {
                    response.Pairs.Add(new KvPair { Key = request.Keys[i], Error = memoryLocked });
                }
            }
            if (response.Pairs.Count > 0)
            {
                return response;
            }
        }
        using IKvSnapshot snapshot = _engine.GetSnapshot();
        using var reader = new MvccReader(snapshot);
        var value = new ArrayBufferWriter<byte>(256);
        for (int i = 0; i < encoded.Length; i++)
        {
            if (checkLocks && reader.LoadLock(encoded[i]) is { } lockRecord
                && ReadLockCheck.Check(lockRecord, encoded[i], request.Keys[i], request.Version, request.ResolvedLocks) is { } locked)
            {
                response.Pairs.Add(new KvPair { Key = request.Keys[i], Error = locked });
                continue;
            }
            value.ResetWrittenCount();
            if (reader.TryGetValue(encoded[i], request.Version, value, out ulong commitTs))
            {
                response.Pairs.Add(new KvPair { Key = request.Keys[i], Value = value.WrittenSpan.ToArray(), CommitTs = commitTs });
            }
        }
        return response;
    }

    /// <summary>KvScan: up to <c>limit</c> entries in key order (reverse: descending, start_key exclusive upper bound).</summary>
    public ScanResponse Scan(ScanRequest request)
    {
        var response = new ScanResponse();
        byte[]? lower;
        byte[]? upper;
        if (request.Reverse)
        {
            lower = request.EndKey.Length == 0 ? null : MvccKey.Encode(request.EndKey);
            upper = request.StartKey.Length == 0 ? null : MvccKey.Encode(request.StartKey);
        }
        else
        {
            lower = request.StartKey.Length == 0 ? null : MvccKey.Encode(request.StartKey);
            upper = request.EndKey.Length == 0 ? null : MvccKey.Encode(request.EndKey);
        }
        bool checkLocks = request.IsolationLevel == IsolationLevel.Si;
        if (checkLocks)
        {
            _cm.UpdateMaxTs(request.Version);
            response.Error = _cm.ReadRangeCheck(lower, upper, request.Version, request.ResolvedLocks);
            if (response.Error is not null)
            {
                return response;
            }
        }
        int limit = request.Limit == 0 ? int.MaxValue : (int)Math.Min(request.Limit, int.MaxValue);
        using IKvSnapshot snapshot = _engine.GetSnapshot();
        using var scanner = new MvccScanner(snapshot, lower, upper, request.Version, checkLocks, request.ResolvedLocks);
        scanner.Scan(request.Reverse, limit, request.KeyOnly, response.Pairs);
        return response;
    }

    /// <summary>KvScanLock: locks with start_ts &lt;= max_version in <c>[start_key, end_key)</c>.</summary>
    public ScanLockResponse ScanLock(ScanLockRequest request)
    {
        var response = new ScanLockResponse();
        using IKvSnapshot snapshot = _engine.GetSnapshot();
        ScanLocks(snapshot, request.StartKey, request.EndKey, request.Limit == 0 ? int.MaxValue : (int)request.Limit,
            request.MaxVersion, matchStartTs: 0, response.Locks);
        return response;
    }

    public PrewriteResponse Prewrite(PrewriteRequest request) => _scheduler.Execute(new PrewriteCommand(request));

    /// <summary>KvPessimisticLock; with a positive wait_timeout, waits for conflicting locks to be released and retries.</summary>
    public PessimisticLockResponse PessimisticLock(PessimisticLockRequest request)
    {
        var command = new PessimisticLockCommand(request);
        long deadline = Environment.TickCount64 + Math.Max(0, request.WaitTimeout);
        while (true)
        {
            long version = _scheduler.LockWait.Version;
            PessimisticLockResponse response = _scheduler.Execute(command);
            long remaining = deadline - Environment.TickCount64;
            if (request.WaitTimeout <= 0 || remaining <= 0 || response.Errors.Count == 0 || response.Errors[0] is not KeyIsLocked)
            {
                return response;
            }
            if (!_scheduler.LockWait.Wait(version, TimeSpan.FromMilliseconds(remaining)))
            {
                return response;
            }
        }
    }

    public CommitResponse Commit(CommitRequest request) => _scheduler.Execute(new CommitCommand(request));

    public BatchRollbackResponse BatchRollback(BatchRollbackRequest request) => _scheduler.Execute(new BatchRollbackCommand(request));

    public CleanupResponse Cleanup(CleanupRequest request) => _scheduler.Execute(new CleanupCommand(request));

    public CheckTxnStatusResponse CheckTxnStatus(CheckTxnStatusRequest request) => _scheduler.Execute(new CheckTxnStatusCommand(request));

    public CheckSecondaryLocksResponse CheckSecondaryLocks(CheckSecondaryLocksRequest request) =>
        _scheduler.Execute(new CheckSecondaryLocksCommand(request));

    public TxnHeartBeatResponse TxnHeartBeat(TxnHeartBeatRequest request) => _scheduler.Execute(new TxnHeartBeatCommand(request));

    public PessimisticRollbackResponse PessimisticRollback(PessimisticRollbackRequest request) =>
        _scheduler.Execute(new PessimisticRollbackCommand(request));

    /// <summary>
    /// KvResolveLock: commits (commit_version &gt; 0) or rolls back the transaction's locks on the given keys, or
    /// — with no keys — on every key holding one of its locks (found by scanning the lock CF in batches).
    /// </summary>
    public ResolveLockResponse ResolveLock(ResolveLockRequest request)
    {
        if (request.Keys.Length > 0)
        {
            return _scheduler.Execute(new ResolveLockCommand(request.StartVersion, request.CommitVersion, request.Keys));
        }
        byte[] start = [];
        while (true)
        {
            var locks = new List<LockInfo>();
            byte[]? next;
            using (IKvSnapshot snapshot = _engine.GetSnapshot())
            {
                next = ScanLocks(snapshot, start, [], ResolveLockBatch, TimeStamp.Max, request.StartVersion, locks);
            }
            if (locks.Count == 0)
            {
                return new ResolveLockResponse();
            }
            var keys = new byte[locks.Count][];
            for (int i = 0; i < keys.Length; i++)
            {
                keys[i] = locks[i].Key;
            }
            ResolveLockResponse response = _scheduler.Execute(new ResolveLockCommand(request.StartVersion, request.CommitVersion, keys));
            if (response.Error is not null || response.ServerIsBusy is not null || next is null)
            {
                return response;
            }
            start = next;
        }
    }

    // Collects up to limit locks in [start, end) (raw keys; empty end = unbounded) with start_ts <= maxVersion (and ==
    // matchStartTs when non-zero). Returns the raw key to continue from when the limit was reached, else null.
    private static byte[]? ScanLocks(
        IKvSnapshot snapshot, byte[] start, byte[] end, int limit, ulong maxVersion, ulong matchStartTs, List<LockInfo> output)
    {
        byte[]? lower = start.Length == 0 ? null : MvccKey.Encode(start);
        byte[]? upper = end.Length == 0 ? null : MvccKey.Encode(end);
        using IKvCursor cursor = snapshot.NewCursor(EngineCf.Lock, lower, upper);
        for (cursor.SeekToFirst(); cursor.Valid; cursor.Next())
        {
            Lock lockRecord = Lock.Decode(cursor.Value, cursor.Key);
            if (lockRecord.StartTs > maxVersion || (matchStartTs != 0 && lockRecord.StartTs != matchStartTs))
            {
                continue;
            }
            if (output.Count == limit)
            {
                return MvccKey.DecodeUserKey(cursor.Key);
            }
            output.Add(lockRecord.ToLockInfo(MvccKey.DecodeUserKey(cursor.Key)));
        }
        return null;
    }
}
