// The Placement Driver's core, without any RPC: cluster identity, bootstrap, the TSO and id allocators, stores,
// the region routing table and the GC safe point, persisted in PdStorage. PdServer's gRPC service is a thin layer
// over it; an in-process caller (the playground, tests) may use it directly.
//
// Results follow PD: a failed operation returns a pdpb.Error (PD's header error), null on success; a broken
// storage throws (IOException / PdMetadataCorruptionException).
// Threads: every public member is thread-safe. Locks: _bootstrapLock (bootstrap record) → _heartbeatLock (region
// check-and-put and its persistence) → RegionTree's own lock; _storeLock guards _stores only. Never take them in
// another order.
using System.Security.Cryptography;
using ManagedKv.Pd.Id;
using ManagedKv.Pd.Routing;
using ManagedKv.Pd.Server;
using ManagedKv.Pd.Storage;
using ManagedKv.Pd.Tso;

namespace ManagedKv.Pd.Cluster;

/// <summary>One PD member's state and operations (single member: it is always the leader).</summary>
public sealed partial class PdCluster : IDisposable
{
    private readonly PdStorage _storage;
    private readonly IPdClock _clock;
    private readonly uint _maxPeerCount;
    private readonly Lock _bootstrapLock = new(); // guards _clusterMeta transitions (bootstrap)
    private readonly Lock _gcLock = new();        // guards _gcSafePoint and its persistence
    private volatile Metapb.Cluster? _clusterMeta;
    private ulong _gcSafePoint;
    private int _disposed;
    private readonly Timer _tsoSaver;
    private long _tsoSaveFailures;

    private PdCluster(PdStorage storage, PdOptions options, ulong clusterId, ulong memberId)
    {
        _storage = storage;
        _clock = options.Clock;
        _maxPeerCount = options.MaxPeerCount;
        ClusterId = clusterId;
        MemberId = memberId;
        Name = options.Name;
        Tso = new TsoAllocator(storage, options.Clock, options.TsoSaveInterval);
        Ids = new IdAllocator(storage);
        // PD's TSO update loop: every 50 ms, persist the next bound while half the save window is left, so requests
        // never wait for that fsync.
        _tsoSaver = new Timer(static state => ((PdCluster)state!).SaveTsoAhead(), this, TsoSavePeriodMs, TsoSavePeriodMs);
        _clusterMeta = storage.LoadClusterMeta();
        _gcSafePoint = storage.LoadGcSafePoint();
        foreach (Metapb.Store store in storage.LoadStores())
        {
            _stores[store.Id] = new StoreInfo(store, null, 0);
        }
        foreach (Metapb.Region region in storage.LoadRegions())
        {
            Regions.Put(new RegionInfo(region));
        }
    }

    /// <summary>
    /// Opens the PD state in <see cref="PdOptions.DataDir"/>, creating the cluster id (unix seconds &lt;&lt; 32 |
    /// 32 random bits) and this member's id on first start, and loading stores and regions back.
    /// </summary>
    public static PdCluster Open(PdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.DataDir))
        {
            throw new ArgumentException("PdOptions.DataDir is required", nameof(options));
        }
        PdStorage storage = PdStorage.Open(options.DataDir);
        try
        {
            ulong clusterId = storage.LoadClusterId() ?? CreateClusterId(storage, options.Clock);
            ulong memberId = storage.LoadMemberId() ?? CreateMemberId(storage);
            return new PdCluster(storage, options, clusterId, memberId);
        }
        catch
        {
            storage.Dispose();
            throw;
        }
    }

    private static ulong CreateClusterId(PdStorage storage, IPdClock clock)
    {
        // PD pkg/storage/endpoint/cluster_id.go: unix seconds in the high 32 bits, random low 32 bits.
        ulong seconds = (ulong)(clock.UnixMilliseconds / 1000);
        ulong id = (seconds << 32) | (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
        storage.SaveClusterId(id);
        return id;
    }

    private static ulong CreateMemberId(PdStorage storage)
    {
        Span<byte> bytes = stackalloc byte[8];
        ulong id;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            id = BitConverter.ToUInt64(bytes);
        }
        while (id == 0);
        storage.SaveMemberId(id);
        return id;
    }

    /// <summary>This cluster's id; every request but GetMembers must carry it.</summary>
    public ulong ClusterId { get; }

    /// <summary>This member's id (GetMembers).</summary>
    public ulong MemberId { get; }

    /// <summary>This member's name (GetMembers).</summary>
    public string Name { get; }

    /// <summary>The timestamp oracle.</summary>
    public TsoAllocator Tso { get; }

    /// <summary>The id allocator (store, region and peer ids).</summary>
    public IdAllocator Ids { get; }

    /// <summary>The region routing table.</summary>
    public RegionTree Regions { get; } = new();

    /// <summary>True once Bootstrap succeeded (persisted).</summary>
    public bool IsBootstrapped => _clusterMeta is not null;

    /// <summary>The cluster metadata written at bootstrap (id, max_peer_count), or null before.</summary>
    public Metapb.Cluster? ClusterMeta => _clusterMeta;

    /// <summary>Allocates <paramref name="count"/> ids (0 = 1) and returns the last (PD AllocID).</summary>
    public ulong AllocId(uint count) => Ids.Allocate(count);

    /// <summary>
    /// Bootstraps the cluster with its first store and first region (PD Bootstrap, checks of PD's
    /// checkBootstrapRequest). Returns ALREADY_BOOTSTRAPPED on a second call, UNKNOWN for an invalid request.
    /// </summary>
    public Pdpb.Error? Bootstrap(Metapb.Store? store, Metapb.Region? region)
    {
        lock (_bootstrapLock)
        {
            if (_clusterMeta is not null)
            {
                return PdErrors.AlreadyBootstrapped();
            }
            string? invalid = CheckBootstrapRequest(store, region);
            if (invalid is not null)
            {
                return PdErrors.Unknown(invalid);
            }
            var meta = new Metapb.Cluster { Id = ClusterId, MaxPeerCount = _maxPeerCount };
            _storage.SaveBootstrap(meta, store!, region!);
            lock (_storeLock)
            {
                _stores[store!.Id] = new StoreInfo(store, null, 0);
            }
            lock (_heartbeatLock)
            {
                Regions.Put(new RegionInfo(region!));
            }
            _clusterMeta = meta;
            return null;
        }
    }

    private static string? CheckBootstrapRequest(Metapb.Store? store, Metapb.Region? region)
    {
        if (store is null)
        {
            return "missing store meta for bootstrap";
        }
        if (store.Id == 0)
        {
            return "invalid zero store id";
        }
        if (region is null)
        {
            return $"missing region meta for bootstrap {store.Id}";
        }
        if (!region.StartKey.IsEmpty || !region.EndKey.IsEmpty)
        {
            return "invalid first region key range, must all be empty";
        }
        if (region.Id == 0)
        {
            return "invalid zero region id";
        }
        if (region.Peers.Count != 1)
        {
            return $"invalid first region peer count {region.Peers.Count}, must be 1";
        }
        Metapb.Peer peer = region.Peers[0];
        if (peer.StoreId != store.Id)
        {
            return $"invalid peer store id {peer.StoreId} != {store.Id}";
        }
        if (peer.Id == 0)
        {
            return "invalid zero peer id";
        }
        return null;
    }

    /// <summary>The GC safe point (0 until first set).</summary>
    public ulong GcSafePoint
    {
        get
        {
            lock (_gcLock)
            {
                return _gcSafePoint;
            }
        }
    }

    /// <summary>
    /// Raises the GC safe point to <paramref name="safePoint"/> if it is higher (persisted, synced) and returns the
    /// safe point now in force: it never moves back (PD UpdateGCSafePoint).
    /// </summary>
    public ulong UpdateGcSafePoint(ulong safePoint)
    {
        lock (_gcLock)
        {
            if (safePoint > _gcSafePoint)
            {
                _storage.SaveGcSafePoint(safePoint);
                _gcSafePoint = safePoint;
            }
            return _gcSafePoint;
        }
    }

    private const int TsoSavePeriodMs = 50;

    /// <summary>
    /// Background TSO bound saves that failed (the storage refused the write). Allocation then saves the bound itself
    /// when it reaches it, and reports the error to its caller.
    /// </summary>
    public long TsoSaveFailures => Interlocked.Read(ref _tsoSaveFailures);

    private void SaveTsoAhead()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }
        try
        {
            Tso.SaveAheadIfDue();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            Interlocked.Increment(ref _tsoSaveFailures);
        }
    }

    /// <summary>Stops the TSO saver and closes the metadata database.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            using (var stopped = new ManualResetEvent(false))
            {
                // Waits for a save in progress, so the database is not closed under it.
                if (_tsoSaver.Dispose(stopped))
                {
                    stopped.WaitOne();
                }
            }
            lock (_bootstrapLock)
            {
                lock (_heartbeatLock)
                {
                    _storage.Dispose();
                }
            }
        }
    }

    /// <summary>The storage (tests pin its format).</summary>
    internal PdStorage Storage => _storage;
}
