namespace ManagedKv.Lsm;

/// <summary>
/// A consistent read point: reads through it see the DB as of one sequence number. While it lives, flushes and
/// compactions keep the versions it can see. Dispose it to release them. Thread-safe to read from.
/// </summary>
public sealed class Snapshot : IDisposable
{
    private readonly LsmDb _db;
    private bool _disposed;

    internal Snapshot(LsmDb db, ulong sequence)
    {
        _db = db;
        Sequence = sequence;
    }

    /// <summary>The sequence number of the last write visible through this snapshot.</summary>
    public ulong Sequence { get; }

    internal Snapshot? Previous;
    internal Snapshot? Next;

    internal LsmDb Db => _db;

    internal bool IsDisposed => _disposed;

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _db.ReleaseSnapshot(this);
        }
    }
}
