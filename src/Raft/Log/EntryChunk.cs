namespace ManagedKv.Raft;

/// <summary>
/// An entry array owned by one node's <see cref="EntryChunkPool"/>: backs the unstable log or the copy arena, and is
/// sliced into <see cref="EntrySlice"/>s handed out in messages and Readies.
/// Invariant: a position that was handed out is not overwritten until every Ready numbered
/// &lt;= <see cref="HeldUntil"/> is released.
/// </summary>
internal sealed class EntryChunk
{
    public EntryChunk(int capacity)
    {
        Items = new Entry[capacity];
    }

    public Entry[] Items { get; }

    /// <summary>The number of the last Ready that carries (or will carry) a slice of this chunk; 0 if none.</summary>
    public ulong HeldUntil { get; set; }
}
