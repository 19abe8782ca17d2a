namespace ManagedKv.Perf.Engines;

/// <summary>An engine's write batch, filled by one thread and applied with <see cref="IBenchEngine.Write"/>.</summary>
internal interface IBenchWriteBatch : IDisposable
{
    int Count { get; }

    void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    void Delete(ReadOnlySpan<byte> key);

    void Clear();
}
