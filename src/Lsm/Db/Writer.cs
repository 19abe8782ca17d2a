namespace ManagedKv.Lsm.Db;

/// <summary>
/// A thread waiting in the DB's writer queue: its batch and options, and, once the group leader is done, its
/// outcome. One cached instance per thread (no allocation per write). Fields are guarded by the DB mutex.
/// </summary>
internal sealed class Writer
{
    public WriteBatch? Batch;
    public bool Sync;
    public bool DisableWal;
    public bool Done;
    public Exception? Error;
    public Writer? Next;

    /// <summary>A request to switch this CF's memtable (Flush) instead of a batch.</summary>
    public ColumnFamily? FlushRequest;

    /// <summary>Set when the writer is done or became the queue head; waited on without the DB mutex.</summary>
    public readonly ManualResetEventSlim Signal = new(false, spinCount: 100);

    public void Reset()
    {
        Batch = null;
        Sync = false;
        DisableWal = false;
        Done = false;
        Error = null;
        Next = null;
        FlushRequest = null;
        Signal.Reset();
    }
}
