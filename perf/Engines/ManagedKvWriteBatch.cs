using ManagedKv.Lsm;

namespace ManagedKv.Perf.Engines;

/// <summary>A ManagedKv write batch on the default column family; one thread at a time.</summary>
internal sealed class ManagedKvWriteBatch : IBenchWriteBatch
{
    private readonly ColumnFamily _columnFamily;

    public ManagedKvWriteBatch(ColumnFamily columnFamily)
    {
        _columnFamily = columnFamily;
        Batch = new WriteBatch();
    }

    public WriteBatch Batch { get; }

    public int Count => Batch.Count;

    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Batch.Put(_columnFamily, key, value);

    public void Delete(ReadOnlySpan<byte> key) => Batch.Delete(_columnFamily, key);

    public void Clear() => Batch.Clear();

    public void Dispose()
    {
    }
}
