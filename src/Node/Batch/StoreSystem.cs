using ManagedKv.Node.Store;
using ManagedKv.Raft;

namespace ManagedKv.Node.Batch;

/// <summary>
/// A store's batch system (TiKV's RaftBatchSystem + ApplyBatchSystem): a peer FSM and an apply FSM per region stored in
/// the engines, a <see cref="Router"/>, a raft pool and an apply pool of fixed threads, one store timer, and the
/// <see cref="StoreWriter"/>. No thread per region.
/// </summary>
/// <remarks>
/// Lifecycle: <see cref="Start"/> opens every region found in the engines (bootstrap them first with
/// <see cref="PeerStorage.BootstrapRegion"/>) and starts the threads. <see cref="Dispose"/> stops the timer, closes
/// the router (new proposals fail with <see cref="ProposeError.StoreStopped"/>), stops the raft then the apply pool
/// after their current rounds, disposes the store writer (which writes and reports what it holds), then fails every
/// proposal still waiting. The engines stay open: they are the caller's. A pool error (an engine write failing) is
/// fatal: <see cref="FatalError"/> is set, the router closes, and a short-lived thread stops both pools and answers
/// every waiting proposal with <see cref="ProposeError.StoreStopped"/>.
/// </remarks>
public sealed class StoreSystem : IDisposable
{
    private readonly StoreEngines _engines;
    private readonly BatchSystemOptions _options;
    private readonly FsmPool<PeerFsm> _raftPool;
    private readonly FsmPool<ApplyFsm> _applyPool;
    private readonly StoreTimer? _timer;
    private Exception? _fatal;
    private Thread? _fatalStop;
    private bool _disposed;

    private StoreSystem(ulong storeId, StoreEngines engines, IRaftMessageSink transport, IApplyHandler applier,
        BatchSystemOptions options, StoreWriterOptions? writerOptions)
    {
        _engines = engines;
        _options = options;
        Router = new Router(storeId);
        Writer = new StoreWriter(engines.RaftEngine, writerOptions);
        _raftPool = new FsmPool<PeerFsm>($"store-{storeId}-raft", options.RaftThreads, options.MaxBatchSize,
            () => new RaftPollHandler(), OnFatal);
        _applyPool = new FsmPool<ApplyFsm>($"store-{storeId}-apply", options.ApplyThreads, options.MaxBatchSize,
            () => new ApplyPollHandler(engines, Router), OnFatal);
        Router.Attach(_raftPool, _applyPool);
        var scheduler = new ApplyScheduler(Router);
        foreach (RegionLocalState state in engines.LoadRegionStates())
        {
            if (state.State != PeerState.Normal)
            {
                continue;
            }

            AddPeer(storeId, state.Region.Id, transport, applier, scheduler);
        }

        if (options.BaseTickInterval > TimeSpan.Zero)
        {
            _timer = new StoreTimer(Router, engines.RaftEngine, options, OnFatal);
        }
    }

    /// <summary>The router: Raft messages in, proposals, control.</summary>
    public Router Router { get; }

    /// <summary>The store writer (counters: fsyncs, regions per write).</summary>
    public StoreWriter Writer { get; }

    /// <summary>Raft pool rounds so far.</summary>
    public long RaftRounds => _raftPool.Rounds;

    /// <summary>Apply pool rounds so far.</summary>
    public long ApplyRounds => _applyPool.Rounds;

    /// <summary>The error that stopped the store, if any.</summary>
    public Exception? FatalError => Volatile.Read(ref _fatal);

    /// <summary>
    /// Creates the system over <paramref name="engines"/> (one peer per region in state Normal) and starts its
    /// threads. <paramref name="transport"/> sends Raft messages to other stores (encoding them before it returns);
    /// <paramref name="applier"/> applies write commands.
    /// </summary>
    public static StoreSystem Start(ulong storeId, StoreEngines engines, IRaftMessageSink transport, IApplyHandler applier,
        BatchSystemOptions? options = null, StoreWriterOptions? writerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(engines);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(applier);
        options ??= new BatchSystemOptions();
        options.Validate();
        var system = new StoreSystem(storeId, engines, transport, applier, options, writerOptions);
        system._raftPool.Start();
        system._applyPool.Start();
        system._timer?.Start();
        return system;
    }

    /// <summary>Stops everything (see the type's remarks); idempotent.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _timer?.Dispose();
        Router.Close();
        _raftPool.Dispose();
        _applyPool.Dispose();
        Volatile.Read(ref _fatalStop)?.Join();
        Writer.Dispose();
        Router.Stop();
    }

    private void AddPeer(ulong storeId, ulong regionId, IRaftMessageSink transport, IApplyHandler applier, ApplyScheduler scheduler)
    {
        PeerStorage storage = PeerStorage.Open(_engines, regionId);
        var config = new RaftConfig
        {
            ElectionTick = _options.ElectionTicks,
            HeartbeatTick = _options.HeartbeatTicks,
            PreVote = true,
            CheckQuorum = true,
            MaxSizePerMsg = _options.MaxSizePerMsg,
            MaxInflightMsgs = _options.MaxInflightMsgs,
            RandomSeed = (storeId * 1000003) + regionId,
        };
        var fsm = new PeerFsm(Router, _options);
        var peer = new Peer(storeId, _engines, storage, Writer, transport, applier, config,
            _ => Router.Post(regionId, PeerMessage.Of(PeerMessageKind.WriteDone)), scheduler);
        fsm.Attach(peer, new ApplyFsm(storage, applier, Router, _options));
        Router.Register(fsm);
    }

    // A pool or timer thread failed: close the router, then — off the failing thread, which is about to end — stop
    // both pools and answer every waiting proposal, so no caller waits for a store that cannot go on. The writer stays
    // until Dispose.
    private void OnFatal(Exception e)
    {
        if (Interlocked.CompareExchange(ref _fatal, e, null) is not null)
        {
            return;
        }

        Router.Close();
        var stopper = new Thread(() =>
        {
            _raftPool.Dispose();
            _applyPool.Dispose();
            Router.Stop();
        })
        { IsBackground = true, Name = $"store-{Router.StoreId}-fatal-stop" };
        _fatalStop = stopper;
        stopper.Start();
    }
}
