namespace ManagedKv.Txn;

/// <summary>What GC does with one write CF version.</summary>
public enum GcDecision
{
    /// <summary>Newer than the safe point, or the newest put at or below it.</summary>
    Keep,

    /// <summary>Garbage: delete it (and its default CF value when it is a put without a short value).</summary>
    Remove,

    /// <summary>
    /// The newest version at or below the safe point is a delete, but the compaction that sees it is not at the
    /// bottom of the tree: older versions may sit below, so it is kept and reported for explicit GC.
    /// </summary>
    KeepDeleteMark,
}
