namespace ManagedKv.Raft;

/// <summary>
/// One Raft log entry. A small value type so that appending and replicating entries allocates nothing
/// per entry beyond the payload the application hands in.
/// </summary>
/// <remarks>
/// Ownership: <see cref="Data"/> and <see cref="Context"/> are borrowed by the library from the proposer.
/// The memory (pooled or not) must stay unchanged until the entry is applied and compacted out of the
/// storage; the library never writes into it.
/// </remarks>
public readonly struct Entry : IEquatable<Entry>
{
    /// <summary>Fixed per-entry overhead counted by <see cref="SizeBytes"/> (term, index, type, lengths).</summary>
    public const long OverheadBytes = 24;

    /// <summary>Creates an entry.</summary>
    public Entry(ulong term, ulong index, EntryType type, ReadOnlyMemory<byte> data, ReadOnlyMemory<byte> context = default)
    {
        Term = term;
        Index = index;
        Type = type;
        Data = data;
        Context = context;
    }

    /// <summary>The term in which the entry was created by a leader.</summary>
    public ulong Term { get; }

    /// <summary>The position of the entry in the log (the first entry is 1).</summary>
    public ulong Index { get; }

    /// <summary>Normal or configuration change.</summary>
    public EntryType Type { get; }

    /// <summary>The payload.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Opaque context carried with the entry (not interpreted by the library).</summary>
    public ReadOnlyMemory<byte> Context { get; }

    /// <summary>The size used for <see cref="RaftConfig.MaxSizePerMsg"/> and similar limits.</summary>
    public long SizeBytes => OverheadBytes + Data.Length + Context.Length;

    /// <summary>Returns a copy with a new term and index (used by the leader when it appends a proposal).</summary>
    public Entry WithTermIndex(ulong term, ulong index) => new(term, index, Type, Data, Context);

    /// <inheritdoc/>
    public bool Equals(Entry other) =>
        Term == other.Term && Index == other.Index && Type == other.Type
        && Data.Span.SequenceEqual(other.Data.Span) && Context.Span.SequenceEqual(other.Context.Span);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Entry e && Equals(e);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Term, Index, Type, Data.Length);

    /// <inheritdoc/>
    public override string ToString() => $"{Term}/{Index} {Type} ({Data.Length} bytes)";
}
