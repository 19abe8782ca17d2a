namespace ManagedKv.Perf.Measurement;

/// <summary>Process-wide garbage-collector counters at one instant; subtract two to get a workload's share.</summary>
internal readonly record struct GcSnapshot(int Gen0, int Gen1, int Gen2, TimeSpan PauseTotal, long AllocatedBytes)
{
    public static GcSnapshot Take() => new(
        GC.CollectionCount(0),
        GC.CollectionCount(1),
        GC.CollectionCount(2),
        GC.GetTotalPauseDuration(),
        GC.GetTotalAllocatedBytes(precise: true));
}
