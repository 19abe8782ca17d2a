namespace ManagedKv.Lsm;

/// <summary>Well-known column family names.</summary>
public static class ColumnFamilyNames
{
    /// <summary>The column family every DB has (id 0); it cannot be dropped.</summary>
    public const string Default = "default";
}
