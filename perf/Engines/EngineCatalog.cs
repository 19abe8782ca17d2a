namespace ManagedKv.Perf.Engines;

/// <summary>
/// The engines the harness can run, by --engines name. "managedkv" is compiled in when the MSBuild property
/// ManagedKvEngine is true (the default; it defines MANAGEDKV_ENGINE); a build without it lists the engine as
/// unavailable and runs report it as such instead of failing.
/// </summary>
internal static class EngineCatalog
{
    public const string ManagedKv = "managedkv";
    public const string RocksDb = "rocksdb";

    public static IReadOnlyList<string> KnownNames { get; } = [ManagedKv, RocksDb];

    /// <summary>The descriptor for <paramref name="name"/> (case-insensitive), or null for an unknown name.</summary>
    public static EngineDescriptor? Find(string name)
    {
        if (string.Equals(name, RocksDb, StringComparison.OrdinalIgnoreCase))
        {
            return new EngineDescriptor(RocksDb, RocksDbEngine.VersionString, RocksDbEngine.Open);
        }
        if (string.Equals(name, ManagedKv, StringComparison.OrdinalIgnoreCase))
        {
#if MANAGEDKV_ENGINE
            return new EngineDescriptor(ManagedKv, ManagedKvEngine.VersionString, ManagedKvEngine.Open);
#else
            return new EngineDescriptor(ManagedKv,
                "not built in: this build was made with -p:ManagedKvEngine=false; " +
                "build with the default (ManagedKvEngine=true) to compile perf/Engines/ManagedKvEngine.cs");
#endif
        }
        return null;
    }
}
