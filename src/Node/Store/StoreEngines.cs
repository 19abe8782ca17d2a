using ManagedKv.Lsm;
using ManagedKv.RaftEngine;

namespace ManagedKv.Node.Store;

/// <summary>
/// The two engines of one store (TiKV's raftdb and kvdb): a <see cref="RaftLogEngine"/> under <c>dir/raft</c> for
/// every region's Raft log and <see cref="RaftLocalState"/>, and an <see cref="LsmDb"/> under <c>dir/kv</c> for user
/// data plus, in its <c>raft</c> column family, every region's <see cref="RaftApplyState"/> and
/// <see cref="RegionLocalState"/> (src/Node/FORMAT.md). Both engines are thread-safe; this holder only opens and closes
/// them.
/// </summary>
public sealed class StoreEngines : IDisposable
{
    private StoreEngines(string directory, RaftLogEngine raftEngine, LsmDb kvDb)
    {
        Directory = directory;
        RaftEngine = raftEngine;
        KvDb = kvDb;
        RaftCf = kvDb.GetColumnFamily(StateFormat.RaftColumnFamily)
            ?? throw new InvalidOperationException($"KV engine at {kvDb.Path} opened without the '{StateFormat.RaftColumnFamily}' column family");
    }

    /// <summary>The store's folder.</summary>
    public string Directory { get; }

    /// <summary>The Raft log engine (raftdb).</summary>
    public RaftLogEngine RaftEngine { get; }

    /// <summary>The KV engine (kvdb).</summary>
    public LsmDb KvDb { get; }

    /// <summary>The KV engine's <c>raft</c> column family (apply and region states).</summary>
    public ColumnFamily RaftCf { get; }

    /// <summary>
    /// Opens (creating if missing) the engines under <paramref name="directory"/>. <paramref name="kvOptions"/> is
    /// completed with CreateIfMissing, CreateMissingColumnFamilies and the <c>raft</c> column family (16 KiB blocks, as
    /// TiKV's raft CF) unless the caller configured that family.
    /// </summary>
    public static StoreEngines Open(string directory, RaftEngineOptions? raftOptions = null, DbOptions? kvOptions = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        kvOptions ??= new DbOptions();
        kvOptions.CreateIfMissing = true;
        kvOptions.CreateMissingColumnFamilies = true;
        if (!kvOptions.ColumnFamilies.ContainsKey(StateFormat.RaftColumnFamily))
        {
            kvOptions.ColumnFamilies[StateFormat.RaftColumnFamily] = new ColumnFamilyOptions { BlockSize = 16 << 10 };
        }

        System.IO.Directory.CreateDirectory(directory);
        RaftLogEngine raft = RaftLogEngine.Open(Path.Combine(directory, "raft"), raftOptions ?? new RaftEngineOptions());
        try
        {
            LsmDb kv = LsmDb.Open(Path.Combine(directory, "kv"), kvOptions);
            return new StoreEngines(directory, raft, kv);
        }
        catch
        {
            raft.Dispose();
            throw;
        }
    }

    /// <summary>Every region whose meta is stored here (any <see cref="PeerState"/>), in region id order.</summary>
    /// <exception cref="StoreCorruptionException">A stored region state is malformed.</exception>
    public List<RegionLocalState> LoadRegionStates()
    {
        var result = new List<RegionLocalState>();
        var options = new ReadOptions { LowerBound = StoreKeys.MinRegionStateKey, UpperBound = StoreKeys.MaxRegionStateKey };
        using LsmIterator it = KvDb.NewIterator(RaftCf, options);
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            if (StoreKeys.TryParseRegionStateKey(it.Key, out ulong regionId))
            {
                result.Add(StateCodec.DecodeRegionLocalState(regionId, it.Value));
            }
        }

        return result;
    }

    /// <summary>Closes both engines (the RaftEngine syncs its active file).</summary>
    public void Dispose()
    {
        try
        {
            KvDb.Dispose();
        }
        finally
        {
            RaftEngine.Dispose();
        }
    }
}
