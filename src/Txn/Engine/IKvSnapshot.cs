using System.Buffers;

namespace ManagedKv.Txn;

/// <summary>A consistent read view over all column families. Thread-safe for reads; each cursor is single-threaded.</summary>
public interface IKvSnapshot : IDisposable
{
    /// <summary>Writes the value of <paramref name="key"/> into <paramref name="value"/>; false when absent.</summary>
    bool TryGet(EngineCf cf, ReadOnlySpan<byte> key, IBufferWriter<byte> value);

    /// <summary>A cursor over <c>[lowerBound, upperBound)</c> of <paramref name="cf"/> (null = unbounded). Dispose it.</summary>
    IKvCursor NewCursor(EngineCf cf, byte[]? lowerBound = null, byte[]? upperBound = null);
}
