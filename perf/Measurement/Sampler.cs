using System.Diagnostics;
using System.Globalization;

namespace ManagedKv.Perf.Measurement;

/// <summary>
/// Samples a running workload on its own thread: throughput per interval (the time series in the report), resident
/// set size (the peak-RSS fallback where /proc's VmHWM is unavailable), and a progress display on stderr — redrawn
/// in place a few times a second when stderr is a terminal, one line every five seconds otherwise.
/// Start once, Stop once; the series is read after Stop.
/// </summary>
internal sealed class Sampler : IDisposable
{
    private static readonly TimeSpan s_logInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_redrawInterval = TimeSpan.FromMilliseconds(250);

    private readonly OpCounters _counters;
    private readonly long _expectedOps;
    private readonly string _label;
    private readonly int _intervalMs;
    private readonly bool _progress;
    private readonly bool _interactive;
    private readonly bool _progressCountsReadsOnly;
    private readonly List<SeriesPoint> _series = new(4096);
    private readonly ManualResetEventSlim _stop = new(false);
    private readonly Thread _thread;
    private long _startTimestamp;
    private long _maxRssBytes;
    private long _maxAnonRssBytes = -1;
    private long _maxFileRssBytes = -1;
    private bool _wroteInPlace;

    /// <param name="progressCountsReadsOnly">Progress is the readers' (readwhilewriting: the writer runs until they finish).</param>
    public Sampler(OpCounters counters, long expectedOps, string label, int intervalMs, bool progress, bool progressCountsReadsOnly = false)
    {
        _progressCountsReadsOnly = progressCountsReadsOnly;
        _counters = counters;
        _expectedOps = expectedOps;
        _label = label;
        _intervalMs = Math.Max(10, intervalMs);
        _progress = progress;
        _interactive = progress && !Console.IsErrorRedirected;
        _thread = new Thread(Loop) { IsBackground = true, Name = "perf-sampler" };
    }

    public IReadOnlyList<SeriesPoint> Series => _series;

    /// <summary>Largest RSS seen by sampling (a lower bound of the true peak).</summary>
    public long MaxSampledRssBytes => Volatile.Read(ref _maxRssBytes);

    /// <summary>Largest anonymous part of the RSS seen by sampling (-1 if unknown).</summary>
    public long MaxSampledAnonRssBytes => Volatile.Read(ref _maxAnonRssBytes);

    /// <summary>Largest file-backed part of the RSS (memory-mapped files) seen by sampling (-1 if unknown).</summary>
    public long MaxSampledFileRssBytes => Volatile.Read(ref _maxFileRssBytes);

    public void Start()
    {
        _startTimestamp = Stopwatch.GetTimestamp();
        _maxRssBytes = ProcessStats.CurrentRssBytes();
        _thread.Start();
    }

    public void Stop()
    {
        _stop.Set();
        _thread.Join();
        if (_wroteInPlace)
        {
            Console.Error.Write("\r\u001b[2K");
        }
    }

    public void Dispose() => _stop.Dispose();

    private void Loop()
    {
        long lastTs = _startTimestamp;
        long lastReads = 0;
        long lastWrites = 0;
        long lastDraw = _startTimestamp;
        while (!_stop.Wait(_intervalMs))
        {
            long now = Stopwatch.GetTimestamp();
            long reads = _counters.TotalReads();
            long writes = _counters.TotalWrites();
            double dt = (now - lastTs) / (double)Stopwatch.Frequency;
            (long rss, long anon, long file) = ProcessStats.CurrentRss();
            if (rss > _maxRssBytes)
            {
                Volatile.Write(ref _maxRssBytes, rss);
            }
            Volatile.Write(ref _maxAnonRssBytes, Math.Max(_maxAnonRssBytes, anon));
            Volatile.Write(ref _maxFileRssBytes, Math.Max(_maxFileRssBytes, file));
            double elapsed = (now - _startTimestamp) / (double)Stopwatch.Frequency;
            _series.Add(new SeriesPoint(elapsed, (reads - lastReads) / dt, (writes - lastWrites) / dt, rss));
            lastTs = now;
            lastReads = reads;
            lastWrites = writes;

            if (_progress)
            {
                TimeSpan sinceDraw = Stopwatch.GetElapsedTime(lastDraw, now);
                if (sinceDraw >= (_interactive ? s_redrawInterval : s_logInterval))
                {
                    Draw(elapsed, _progressCountsReadsOnly ? reads : reads + writes, rss);
                    lastDraw = now;
                }
            }
        }
    }

    private void Draw(double elapsed, long done, long rss)
    {
        double rate = elapsed > 0 ? done / elapsed : 0;
        string pct = _expectedOps > 0 ? (100.0 * done / _expectedOps).ToString("F0", CultureInfo.InvariantCulture) + "%" : "";
        string line = string.Create(CultureInfo.InvariantCulture,
            $"  {_label}: {done:N0}/{_expectedOps:N0} {pct}  {rate:N0} ops/s  {elapsed:F1}s  RSS {rss / (1024 * 1024)} MiB");
        if (_interactive)
        {
            Console.Error.Write("\r\u001b[2K" + line);
            _wroteInPlace = true;
        }
        else
        {
            Console.Error.WriteLine(line);
        }
    }
}
