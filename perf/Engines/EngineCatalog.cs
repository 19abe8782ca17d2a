namespace ManagedKv.Perf.Engines;

/// <summary>
/// The engines the harness can run, by --engines name. "managedkv" is compiled in only once src/Lsm's LsmDb exists
/// (MSBuild property ManagedKvEngine=true, which defines MANAGEDKV_ENGINE); until then it is listed as unavailable
/// and runs report it as such instead of failing.
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
                "not available yet: the LSM engine (src/Lsm LsmDb) has not landed in this build; " +
                "perf/Engines/ManagedKvEngine.cs is compiled in with -p:ManagedKvEngine=true once it has");
#endif
        }
        return null;
    }
}
