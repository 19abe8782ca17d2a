namespace ManagedKv.Raft;

/// <summary>
/// A snapshot of the state machine at <see cref="Index"/> (Raft §7): the entries up to and including
/// <see cref="Index"/> are replaced by <see cref="Data"/>, and <see cref="Term"/> and <see cref="ConfState"/>
/// describe the last replaced entry. Immutable.
/// </summary>
public sealed class Snapshot
{
    /// <summary>The empty snapshot (index 0).</summary>
    public static readonly Snapshot Empty = new(0, 0, ConfState.Empty, ReadOnlyMemory<byte>.Empty);

    /// <summary>Creates a snapshot.</summary>
    public Snapshot(ulong index, ulong term, ConfState confState, ReadOnlyMemory<byte> data)
    {
        Index = index;
        Term = term;
        ConfState = confState;
        Data = data;
    }

    /// <summary>The index of the last entry the snapshot replaces.</summary>
    public ulong Index { get; }

    /// <summary>The term of that entry.</summary>
    public ulong Term { get; }

    /// <summary>The configuration in effect at <see cref="Index"/>.</summary>
    public ConfState ConfState { get; }

    /// <summary>The application's serialized state (opaque to the library).</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>True for the empty snapshot.</summary>
    public bool IsEmpty => Index == 0;

    /// <inheritdoc/>
    public override string ToString() => $"snapshot {Term}/{Index} ({Data.Length} bytes) {ConfState}";
}
