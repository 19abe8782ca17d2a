using ManagedKv.Lsm;

namespace ManagedKv.Txn;

/// <summary>
/// TiKV's write CF compaction filter factory: set on the <c>write</c> CF by <see cref="LsmKvEngine.Open"/> when a
/// <see cref="GcSafePointProvider"/> is given, it makes every compaction of that CF collect MVCC garbage below the
/// current safe point with the same rule as explicit GC (<see cref="GcRunner"/>).
/// </summary>
/// <remarks>
/// <para>The <c>default</c> CF values of removed long puts live in another CF, so the compaction cannot drop them
/// itself. Crash safety, in order: (1) during the compaction the filter appends their keys to a pending-delete file
/// (FORMAT.md §8); (2) before the compaction installs its output (the filter is disposed first), the file is fsynced
/// and renamed to its final name; (3) a background thread deletes the values with a synced write and then removes
/// the file; at open every remaining file is applied again. A crash before (2) leaves the compaction uninstalled and
/// the temp file is discarded; a crash between (2) and the install leaves write records whose values are gone, but
/// they are garbage below the safe point, which no reader at or above it ever follows, and the next compaction or GC
/// removes them; a crash after the install re-applies the file. So no live value is deleted and no garbage value is
/// leaked. The compaction thread never writes to the LSM (a write may stall waiting for compaction).</para>
/// <para>Below the bottom level a delete mark at or below the safe point must stay (older versions may sit in lower
/// levels the compaction does not read); its key goes into the same file and the background thread GCs it
/// explicitly.</para>
/// <para>Thread-safe: filters are created from any compaction thread. Off (no filter) until the engine is attached
/// and while the safe point is 0.</para>
/// </remarks>
public sealed class GcCompactionFilterFactory : ICompactionFilterFactory, IDisposable
{
    private readonly GcSafePointProvider _safePoint;
    private GcPendingDeleter? _deleter; // set once by Attach
    private long _versionsRemoved;
    private long _compactions;

    /// <param name="safePoint">Where the safe point comes from.</param>
    public GcCompactionFilterFactory(GcSafePointProvider safePoint)
    {
        ArgumentNullException.ThrowIfNull(safePoint);
        _safePoint = safePoint;
    }

    public string Name => "managedkv.GcCompactionFilterFactory";

    /// <summary>The safe point source.</summary>
    public GcSafePointProvider SafePointProvider => _safePoint;

    /// <summary>Compactions that ran with a GC filter.</summary>
    public long FilteredCompactions => Interlocked.Read(ref _compactions);

    /// <summary>Compactions that ran without the filter because their inputs' MVCC properties showed nothing to collect.</summary>
    public long SkippedCompactions => Interlocked.Read(ref _skippedCompactions);

    private long _skippedCompactions;

    /// <summary>
    /// True unless every input file has MVCC properties and together they show nothing to collect at
    /// <paramref name="safePoint"/> (<see cref="MvccGcCheck.NeedGc"/>). A file without properties counts as "maybe".
    /// </summary>
    internal static bool InputsNeedGc(IReadOnlyList<TableProperties> inputs, ulong safePoint)
    {
        if (inputs.Count == 0)
        {
            return true;
        }
        var merged = new MvccProperties();
        foreach (TableProperties p in inputs)
        {
            if (!MvccProperties.TryGet(p, out MvccProperties? m) || m is null)
            {
                return true;
            }
            merged.Add(m);
        }
        return MvccGcCheck.NeedGc(merged, safePoint);
    }

    /// <summary>Write CF versions the filter removed.</summary>
    public long VersionsRemoved => Interlocked.Read(ref _versionsRemoved);

    /// <summary>Default CF values deleted for removed versions (applied pending files).</summary>
    public long ValuesDeleted => _deleter?.ValuesDeleted ?? 0;

    /// <summary>The last failure of the background deleter (its file is replayed at the next open), or null.</summary>
    public Exception? LastError => _deleter?.LastError;

    public ICompactionFilter? CreateCompactionFilter(CompactionFilterContext context)
    {
        GcPendingDeleter? deleter = Volatile.Read(ref _deleter);
        ulong safePoint = _safePoint.SafePoint;
        if (deleter is null || safePoint == 0)
        {
            return null;
        }
        if (!InputsNeedGc(context.InputTableProperties, safePoint))
        {
            Interlocked.Increment(ref _skippedCompactions);
            return null; // TiKV: the input files' MVCC properties show nothing to collect
        }
        Interlocked.Increment(ref _compactions);
        return new WriteCfCompactionFilter(this, deleter, safePoint, context.IsBottommostLevel);
    }

    /// <summary>Waits until the default CF deletes of every finished compaction are applied.</summary>
    public void WaitForPendingDeletes() => _deleter?.WaitIdle();

    /// <summary>Stops the background deleter (pending files stay for the next open).</summary>
    public void Dispose() => _deleter?.Dispose();

    /// <summary>Binds the factory to its engine: replays pending files under <paramref name="directory"/>, then turns the filter on.</summary>
    internal void Attach(LsmKvEngine engine, string directory)
    {
        if (_deleter is not null)
        {
            throw new InvalidOperationException("The GC compaction filter factory is already attached to an engine.");
        }
        var deleter = new GcPendingDeleter(directory, engine);
        deleter.ReplayAll();
        Volatile.Write(ref _deleter, deleter);
    }

    internal void AddRemoved(long versions) => Interlocked.Add(ref _versionsRemoved, versions);
}
