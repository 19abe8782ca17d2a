using ManagedKv.RaftEngine;

namespace ManagedKv.Perf;

/// <summary><see cref="IRaftLogStore"/> over <see cref="RaftLogEngine"/>.</summary>
internal sealed class RaftEngineLogStore : IRaftLogStore
{
    private readonly RaftLogEngine _engine;

    public RaftEngineLogStore(string dir, RaftEngineOptions options)
    {
        _engine = RaftLogEngine.Open(dir, options);
        Options = options;
    }

    public string Name => "RaftEngine";

    public int StateKeyLength => StateKey.Length;

    private static ReadOnlySpan<byte> StateKey => "raft_state"u8;

    public RaftEngineOptions Options { get; }

    public RaftLogEngine Engine => _engine;

    public IRaftLogWriter CreateWriter() => new Writer(_engine);

    public long Fetch(ulong region, ulong begin, int count)
    {
        var into = new List<byte[]>(count);
        _engine.FetchEntries(region, begin, begin + (ulong)count, long.MaxValue, into);
        long bytes = 0;
        foreach (byte[] e in into)
        {
            bytes += e.Length;
        }
        return bytes;
    }

    public void Maintain() => _engine.PurgeExpiredFiles();

    public void Settle() => _engine.PurgeExpiredFiles();

    public void Dispose() => _engine.Dispose();

    private sealed class Writer(RaftLogEngine engine) : IRaftLogWriter
    {
        private readonly LogBatch _batch = new();

        public void Append(ulong region, ulong firstIndex, IReadOnlyList<ReadOnlyMemory<byte>> entries, ReadOnlySpan<byte> raftState, ulong compactTo, bool sync)
        {
            _batch.Clear();
            _batch.AddEntries(region, firstIndex, entries);
            _batch.PutState(region, StateKey, raftState);
            if (compactTo != 0)
            {
                _batch.Compact(region, compactTo);
            }
            engine.Write(_batch, sync);
        }
    }
}
