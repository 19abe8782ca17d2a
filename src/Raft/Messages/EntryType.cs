namespace ManagedKv.Raft;

/// <summary>The kind of a log <see cref="Entry"/>.</summary>
/// <remarks>On the wire and on disk: never renumber.</remarks>
public enum EntryType : byte
{
    /// <summary>An application command (or the empty entry a new leader appends).</summary>
    EntryNormal = 0,
    /// <summary>A membership change; the data is a <see cref="ConfChangeV2"/> encoded by <see cref="ConfChangeV2.Encode"/>.
    /// Empty data means "leave the joint configuration".</summary>
    EntryConfChangeV2 = 2,
}
