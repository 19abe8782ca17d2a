using System.Buffers;

namespace ManagedKv.Txn;

/// <summary>A consistent read view over all column families. Thread-safe for reads; each cursor is single-threaded.</summary>
public interface IKvSnapshot : IDisposable
{
    /// <summary>Writes the value of <paramref name="key"/> into <paramref name="value"/>; false when absent.</summary>
    bool TryGet(EngineCf cf, ReadOnlySpan<byte> key, IBufferWriter<byte> value);

    /// <summary>A cursor over <c>[lowerBound, upperBound)</c> of <paramref name="cf"/> (null = unbounded). Dispose it.</summary>
    IKvCursor NewCursor(EngineCf cf, byte[]? lowerBound = null, byte[]? upperBound = null);

    /// <summary>
    /// A cursor for reading the versions of one user key (TiKV's prefix seek): after <see cref="IKvCursor.Seek"/> or
    /// <see cref="IKvCursor.SeekForPrev"/> it may turn invalid as soon as it leaves the versions of the target's user
    /// key (<see cref="MvccKey.Truncate"/>), which lets the engine skip files whose prefix filters rule the key out.
    /// Only Seek / SeekForPrev followed by Next / Prev within the key are meaningful. Dispose it.
    /// </summary>
    IKvCursor NewPrefixCursor(EngineCf cf);
}
