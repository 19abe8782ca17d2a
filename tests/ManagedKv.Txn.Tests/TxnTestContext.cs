using System.Text;

namespace ManagedKv.Txn.Tests;

/// <summary>A TxnStorage over a fresh LSM engine in a temp folder, with TiKV-test-style "must" helpers.</summary>
public sealed class TxnTestContext : IDisposable
{
    private readonly TempDir _dir = new();

    public TxnTestContext(TxnSchedulerOptions? options = null, Func<IKvEngine, IKvEngine>? wrap = null, GcSafePointProvider? gcSafePoint = null)
    {
        Lsm = LsmKvEngine.Open(_dir.Path, gcSafePoint: gcSafePoint);
        Engine = wrap is null ? Lsm : wrap(Lsm);
        Storage = new TxnStorage(Engine, options);
    }

    public LsmKvEngine Lsm { get; }

    /// <summary>The engine's DB folder.</summary>
    public string Path => _dir.Path;

    public IKvEngine Engine { get; }

    public TxnStorage Storage { get; }

    public static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>A timestamp whose physical part is <paramref name="ms"/>.</summary>
    public static ulong Ts(long ms, long logical = 0) => TimeStamp.Compose(ms, logical);

    public PrewriteResponse Prewrite(Mutation[] mutations, string primary, ulong startTs, ulong ttl = 3000, ulong forUpdateTs = 0,
        PessimisticAction[]? actions = null, bool asyncCommit = false, bool onePc = false, byte[][]? secondaries = null, ulong maxCommitTs = 0, ulong minCommitTs = 0) =>
        Storage.Prewrite(new PrewriteRequest
        {
            Mutations = mutations,
            PrimaryLock = B(primary),
            StartVersion = startTs,
            LockTtl = ttl,
            ForUpdateTs = forUpdateTs,
            PessimisticActions = actions ?? [],
            UseAsyncCommit = asyncCommit,
            TryOnePc = onePc,
            Secondaries = secondaries ?? [],
            MaxCommitTs = maxCommitTs,
            MinCommitTs = minCommitTs,
        });

    public void MustPrewritePut(string key, string value, string primary, ulong startTs, ulong ttl = 3000)
    {
        PrewriteResponse r = Prewrite([Mutation.Put(B(key), B(value))], primary, startTs, ttl);
        Assert.True(r.Errors.Count == 0, string.Join("; ", r.Errors));
    }

    public void MustPrewriteDelete(string key, string primary, ulong startTs)
    {
        PrewriteResponse r = Prewrite([Mutation.Delete(B(key))], primary, startTs);
        Assert.True(r.Errors.Count == 0, string.Join("; ", r.Errors));
    }

    public KeyError PrewritePutErr(string key, string value, string primary, ulong startTs)
    {
        PrewriteResponse r = Prewrite([Mutation.Put(B(key), B(value))], primary, startTs);
        Assert.Single(r.Errors);
        return r.Errors[0];
    }

    public CommitResponse Commit(string key, ulong startTs, ulong commitTs) =>
        Storage.Commit(new CommitRequest { StartVersion = startTs, CommitVersion = commitTs, Keys = [B(key)] });

    public void MustCommit(string key, ulong startTs, ulong commitTs)
    {
        CommitResponse r = Commit(key, startTs, commitTs);
        Assert.True(r.Error is null, r.Error?.ToString());
    }

    public void MustPut(string key, string value, ulong startTs, ulong commitTs)
    {
        MustPrewritePut(key, value, key, startTs);
        MustCommit(key, startTs, commitTs);
    }

    public GetResponse Get(string key, ulong ts) => Storage.Get(new GetRequest { Key = B(key), Version = ts });

    public void MustGet(string key, ulong ts, string expected)
    {
        GetResponse r = Get(key, ts);
        Assert.True(r.Error is null, r.Error?.ToString());
        Assert.False(r.NotFound, $"{key}@{ts} not found, expected {expected}");
        Assert.Equal(expected, Encoding.UTF8.GetString(r.Value));
    }

    public void MustGetNone(string key, ulong ts)
    {
        GetResponse r = Get(key, ts);
        Assert.True(r.Error is null, r.Error?.ToString());
        Assert.True(r.NotFound, $"{key}@{ts} found {Encoding.UTF8.GetString(r.Value)}");
    }

    public KeyIsLocked MustGetLocked(string key, ulong ts)
    {
        GetResponse r = Get(key, ts);
        return Assert.IsType<KeyIsLocked>(r.Error);
    }

    public void MustRollback(string key, ulong startTs)
    {
        BatchRollbackResponse r = Storage.BatchRollback(new BatchRollbackRequest { StartVersion = startTs, Keys = [B(key)] });
        Assert.True(r.Error is null, r.Error?.ToString());
    }

    public Lock? LoadLock(string key)
    {
        using IKvSnapshot s = Engine.GetSnapshot();
        using var reader = new MvccReader(s);
        return reader.LoadLock(MvccKey.Encode(B(key)));
    }

    public Write? WriteAt(string key, ulong commitTs)
    {
        using IKvSnapshot s = Engine.GetSnapshot();
        using var reader = new MvccReader(s);
        return reader.GetWriteAt(MvccKey.Encode(B(key)), commitTs);
    }

    public CheckTxnStatusResponse CheckTxnStatus(string primary, ulong lockTs, ulong callerStartTs, ulong currentTs, bool rollbackIfNotExist = true) =>
        Storage.CheckTxnStatus(new CheckTxnStatusRequest
        {
            PrimaryKey = B(primary),
            LockTs = lockTs,
            CallerStartTs = callerStartTs,
            CurrentTs = currentTs,
            RollbackIfNotExist = rollbackIfNotExist,
        });

    public void Dispose()
    {
        Lsm.Dispose();
        _dir.Dispose();
    }
}
