using RocksDbSharp;

namespace ManagedKv.Perf.Engines;

/// <summary>A native RocksDB write batch; one thread at a time.</summary>
internal sealed class RocksDbWriteBatch : IBenchWriteBatch
{
    public RocksDbWriteBatch() => Batch = new WriteBatch();

    public WriteBatch Batch { get; }

    public int Count => Batch.Count();

    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Batch.Put(key, value);

    public void Delete(ReadOnlySpan<byte> key) => Batch.Delete(key);

    public void Clear() => Batch.Clear();

    public void Dispose() => Batch.Dispose();
}
