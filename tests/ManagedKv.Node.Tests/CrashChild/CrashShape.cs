namespace ManagedKv.Node.CrashChild;

/// <summary>The cluster the crash child runs, shared with the parent test (compiled into both).</summary>
public static class CrashShape
{
    public const int Stores = 3;
    public const int Regions = 8;
}
