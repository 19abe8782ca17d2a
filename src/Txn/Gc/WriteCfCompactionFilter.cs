using System.Buffers;
using ManagedKv.Lsm;

namespace ManagedKv.Txn;

/// <summary>
/// The LSM side of <see cref="GcCompactionFilter"/> for one write CF compaction: answers Remove for garbage, streams
/// the <c>default</c> CF keys of removed long puts (and kept delete marks) into a pending-delete file, and on
/// <see cref="Dispose"/> (before the compaction installs) commits the file and hands it to the deleter. Single-threaded
/// (the compaction's thread). See <see cref="GcCompactionFilterFactory"/> for the crash argument.
/// </summary>
internal sealed class WriteCfCompactionFilter : ICompactionFilter, IDisposable
{
    private const int DrainThreshold = 256;

    private readonly GcCompactionFilterFactory _factory;
    private readonly GcPendingDeleter _deleter;
    private readonly GcCompactionFilter _gc;
    private readonly ulong _safePoint;
    private GcPendingWriter? _pending;

    public WriteCfCompactionFilter(GcCompactionFilterFactory factory, GcPendingDeleter deleter, ulong safePoint, bool bottommost)
    {
        _factory = factory;
        _deleter = deleter;
        _safePoint = safePoint;
        _gc = new GcCompactionFilter(safePoint, bottommost);
    }

    public string Name => "managedkv.GcCompactionFilter";

    public CompactionFilterDecision Filter(int level, ReadOnlySpan<byte> key, ReadOnlySpan<byte> existingValue, IBufferWriter<byte> newValue)
    {
        GcDecision d = _gc.Filter(key, existingValue);
        if (_gc.DefaultCfDeletes.Count + _gc.MvccDeletions.Count >= DrainThreshold)
        {
            Drain();
        }
        return d == GcDecision.Remove ? CompactionFilterDecision.Remove : CompactionFilterDecision.Keep;
    }

    public void Dispose()
    {
        Drain();
        _factory.AddRemoved(_gc.Removed);
        if (_pending is null)
        {
            return;
        }
        try
        {
            string path = _pending.Commit();
            _deleter.Enqueue(path);
        }
        finally
        {
            _pending.Dispose();
        }
    }

    private void Drain()
    {
        if (_gc.DefaultCfDeletes.Count + _gc.MvccDeletions.Count == 0)
        {
            return;
        }
        _pending ??= new GcPendingWriter(_deleter.Directory, _deleter.NextFileNumber(), _safePoint);
        foreach (byte[] k in _gc.DefaultCfDeletes)
        {
            _pending.Add(GcPendingFormat.KindDefaultCfKey, k);
        }
        foreach (byte[] k in _gc.MvccDeletions)
        {
            _pending.Add(GcPendingFormat.KindMvccDeletion, k);
        }
        _gc.DefaultCfDeletes.Clear();
        _gc.MvccDeletions.Clear();
    }
}
