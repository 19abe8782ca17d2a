namespace ManagedKv.Raft;

/// <summary>
/// The persisted part of a Raft log, read by the library (etcd's Storage, raft-rs's Storage). The application
/// writes to it (entries and hard state from <see cref="Ready"/>) before reporting them persisted; the library
/// only reads. Log compaction contract: after <c>Compact(i)</c>, <see cref="FirstIndex"/> is i + 1,
/// <see cref="Term"/> still answers for i (the "dummy" entry), and reads below i answer
/// <see cref="StorageStatus.Compacted"/>; the library then falls back to <see cref="Snapshot"/>.
/// </summary>
/// <remarks>Called only from the thread that drives the <see cref="RawNode"/>.</remarks>
public interface IRaftStorage
{
    /// <summary>The persisted hard state and configuration, read once when the node starts.</summary>
    RaftState InitialState();

    /// <summary>
    /// Appends the entries in [<paramref name="lo"/>, <paramref name="hi"/>) to <paramref name="output"/>, stopping
    /// once their total <see cref="Entry.SizeBytes"/> would exceed <paramref name="maxSize"/> (at least one entry is
    /// always returned).
    /// </summary>
    /// <returns><see cref="StorageStatus.Compacted"/> when lo &lt; <see cref="FirstIndex"/>;
    /// <see cref="StorageStatus.Unavailable"/> when hi &gt; <see cref="LastIndex"/> + 1.</returns>
    StorageStatus Entries(ulong lo, ulong hi, ulong maxSize, List<Entry> output);

    /// <summary>The term of the entry at <paramref name="index"/>, in [FirstIndex - 1, LastIndex].</summary>
    StorageStatus Term(ulong index, out ulong term);

    /// <summary>The index of the first entry still available (the one after the latest snapshot).</summary>
    ulong FirstIndex();

    /// <summary>The index of the last entry (FirstIndex - 1 when empty).</summary>
    ulong LastIndex();

    /// <summary>The most recent snapshot, or null while one is being generated
    /// (<see cref="StorageStatus.SnapshotTemporarilyUnavailable"/>).</summary>
    Snapshot? Snapshot();
}
