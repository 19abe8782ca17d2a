namespace ManagedKv.Txn;

/// <summary>Counters of one GC run.</summary>
public sealed class GcStats
{
    /// <summary>Write CF versions examined.</summary>
    public long VersionsScanned { get; set; }

    /// <summary>Write CF versions deleted.</summary>
    public long VersionsDeleted { get; set; }

    /// <summary>Default CF values deleted.</summary>
    public long ValuesDeleted { get; set; }

    /// <summary>The MVCC table properties showed nothing to collect, so nothing was scanned.</summary>
    public bool SkippedByProperties { get; set; }

    public override string ToString() => SkippedByProperties ? "skipped: the MVCC properties show nothing to collect" : $"scanned {VersionsScanned}, deleted {VersionsDeleted} versions and {ValuesDeleted} values";
}
