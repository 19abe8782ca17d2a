using ManagedKv.RaftEngine;

namespace ManagedKv.Node.Batch;

/// <summary>
/// The store's one timer thread (instead of a timer per region): every base tick it posts a Tick to every peer that
/// wants one, every <see cref="BatchSystemOptions.RaftLogGcTicks"/> ticks a raft-log-gc tick, and every
/// <see cref="PurgeTicks"/> ticks it runs the RaftEngine's purge and posts a forced compaction to each region the
/// purge names. A sorted schedule is not needed yet: all store ticks are multiples of the base tick.
/// </summary>
internal sealed class StoreTimer : IDisposable
{
    /// <summary>RaftEngine purge every this many base ticks (TiKV purges with raft-log-gc, every 10 s here).</summary>
    public const int PurgeTicks = 10;

    private readonly Router _router;
    private readonly RaftLogEngine _raftEngine;
    private readonly BatchSystemOptions _options;
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _thread;
    private readonly Action<Exception> _onError;

    public StoreTimer(Router router, RaftLogEngine raftEngine, BatchSystemOptions options, Action<Exception> onError)
    {
        _router = router;
        _raftEngine = raftEngine;
        _options = options;
        _onError = onError;
        _thread = new Thread(Run) { IsBackground = true, Name = $"store-{router.StoreId}-timer" };
    }

    public void Start() => _thread.Start();

    public void Dispose()
    {
        _stop.Set();
        if (_thread.ThreadState != ThreadState.Unstarted)
        {
            _thread.Join();
        }

        _stop.Dispose();
    }

    private void Run()
    {
        long ticks = 0;
        try
        {
            while (!_stop.Wait(_options.BaseTickInterval))
            {
                ticks++;
                _router.TickAll();
                if (_options.RaftLogGcTicks > 0 && ticks % _options.RaftLogGcTicks == 0)
                {
                    _router.RaftLogGcTickAll();
                }

                if (ticks % PurgeTicks == 0)
                {
                    foreach (ulong region in _raftEngine.PurgeExpiredFiles())
                    {
                        _router.Post(region, PeerMessage.Of(PeerMessageKind.ForceCompact));
                    }
                }
            }
        }
        catch (Exception e)
        {
            _onError(e);
        }
    }
}
