using ManagedKv.Lsm;

namespace ManagedKv.Node.Store;

/// <summary>Applies committed write commands to the KV engine: the peer's state machine.</summary>
public interface IApplyHandler
{
    /// <summary>
    /// Adds the effect of write command <paramref name="command"/> (entry <paramref name="index"/> of
    /// <paramref name="regionId"/>) to <paramref name="batch"/>. The peer writes the batch, with the region's
    /// <see cref="RaftApplyState"/>, atomically after the last entry of the round. Called on the peer's thread.
    /// </summary>
    void Apply(ulong regionId, ulong index, ReadOnlySpan<byte> command, WriteBatch batch);
}
