using ManagedKv.Lsm.Db;
using ManagedKv.Lsm.Memtable;

namespace ManagedKv.Lsm;

/// <summary>
/// A column family: its own memtables, levels and options inside one DB, sharing the DB's WAL and sequence numbers.
/// Handles are owned by the DB; they stay valid until the DB is disposed (a dropped CF rejects further use).
/// Mutable state is guarded by the DB mutex unless a field says otherwise.
/// </summary>
public sealed class ColumnFamily
{
    internal ColumnFamily(LsmDb db, uint id, string name, ColumnFamilyOptions options)
    {
        Db = db;
        Id = id;
        Name = name;
        Options = options;
    }

    /// <summary>The name, unique within the DB; the default column family is "default".</summary>
    public string Name { get; }

    /// <summary>The numeric id recorded in the WAL and the MANIFEST.</summary>
    public uint Id { get; }

    /// <summary>True once the column family was dropped.</summary>
    public bool IsDropped => Dropped;

    internal LsmDb Db { get; }

    internal ColumnFamilyOptions Options { get; }

    /// <summary>The active memtable; written only by the write-group leader, switched under the DB mutex.</summary>
    internal MemTable Mem = null!;

    /// <summary>Memtables waiting for flush, oldest first.</summary>
    internal readonly List<ImmutableMemTable> Immutables = new();

    /// <summary>The current version (one reference held here).</summary>
    internal Version.Version Current = null!;

    /// <summary>WAL files numbered below this hold nothing this CF still needs.</summary>
    internal ulong LogNumber;

    internal bool Dropped;

    /// <summary>The current super version; read lock-free by readers, replaced under the DB mutex.</summary>
    internal SuperVersion SuperVersion = null!;

    /// <summary>Bumped every time the super version is replaced (for tests and stats).</summary>
    internal long SuperVersionNumber;

    /// <summary>A compaction was requested by CompactRange and waits to run. Guarded by the DB mutex.</summary>
    internal bool ManualCompactionPending;

    /// <summary>Compactions running on this CF (their output ranges are off limits to ingested files). Guarded by the DB mutex.</summary>
    internal readonly List<Compaction.Compaction> RunningCompactions = new();

    /// <summary>An ingest is choosing levels and committing: compaction picking waits. Guarded by the DB mutex.</summary>
    internal bool IngestInProgress;

    internal SuperVersion AcquireSuperVersion()
    {
        while (true)
        {
            SuperVersion sv = Volatile.Read(ref SuperVersion);
            if (sv.TryRef())
            {
                return sv;
            }
        }
    }

    /// <summary>Installs a new super version from the current memtables and version. REQUIRES: DB mutex held.</summary>
    internal void InstallSuperVersion()
    {
        var imms = new MemTable[Immutables.Count];
        for (int i = 0; i < imms.Length; i++)
        {
            imms[i] = Immutables[Immutables.Count - 1 - i].Mem;
        }
        var sv = new SuperVersion(Mem, imms, Current);
        SuperVersion old = SuperVersion;
        Volatile.Write(ref SuperVersion, sv);
        SuperVersionNumber++;
        old?.Unref();
    }

    public override string ToString() => $"{Name} (#{Id})";
}
