namespace ManagedKv.Lsm;

/// <summary>What a compaction filter decided for one value.</summary>
public enum CompactionFilterDecision
{
    /// <summary>Write the value unchanged.</summary>
    Keep,

    /// <summary>Remove the value: a deletion marker replaces it, or nothing at the bottommost level.</summary>
    Remove,

    /// <summary>Write the new value the filter put into its buffer instead.</summary>
    ChangeValue,
}
