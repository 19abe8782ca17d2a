// PD's metadata store: cluster id, bootstrap record, stores, regions, the TSO and id bounds and the GC safe point,
// kept in one ManagedKv.Lsm database under the data directory. Layout: FORMAT.md; constants: PdStorageFormat.
//
// Threads: every method may be called from any thread (LsmDb is thread-safe); callers serialize writes that must
// be ordered (each allocator saves its own bound under its own lock).
// Durability: bounds, cluster id, bootstrap, stores and the GC safe point are written with Sync = true (they must
// survive a power cut: a lost bound could hand out a timestamp or id twice). Region records are written without
// sync, as PD treats them as a cache that heartbeats rebuild; the LSM's WAL still keeps them across a process crash.
using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using ManagedKv.Lsm;

namespace ManagedKv.Pd.Storage;

/// <summary>PD's persisted metadata over an <see cref="LsmDb"/>.</summary>
internal sealed class PdStorage : IDisposable
{
    private static readonly WriteOptions s_sync = new() { Sync = true };
    private static readonly WriteOptions s_noSync = new();

    private readonly LsmDb _db;
    private readonly string _path;

    private PdStorage(LsmDb db, string path)
    {
        _db = db;
        _path = path;
    }

    /// <summary>The LSM database (tests read its raw keys to pin the format).</summary>
    internal LsmDb Db => _db;

    /// <summary>
    /// Opens (creating if missing) the metadata database in <paramref name="directory"/>, writing the format version
    /// into a new one and refusing one of another version.
    /// </summary>
    public static PdStorage Open(string directory)
    {
        Directory.CreateDirectory(directory);
        var options = new DbOptions { CreateIfMissing = true, BlockCache = new BlockCache(4 << 20) };
        // PD's metadata is small: keep memtables small so the WAL stays short and restarts replay fast.
        options.DefaultColumnFamilyOptions.WriteBufferSize = 4 << 20;
        options.DefaultColumnFamilyOptions.MaxWriteBufferNumber = 2;
        options.DefaultColumnFamilyOptions.BlockSize = 4 << 10;
        var db = LsmDb.Open(directory, options);
        var storage = new PdStorage(db, directory);
        try
        {
            storage.CheckVersion();
        }
        catch
        {
            db.Dispose();
            throw;
        }
        return storage;
    }

    private void CheckVersion()
    {
        byte[]? value = _db.Get(PdStorageFormat.VersionKey);
        if (value is null)
        {
            Span<byte> buffer = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(buffer, PdStorageFormat.CurrentVersion);
            _db.Put(PdStorageFormat.VersionKey, buffer, s_sync);
            return;
        }
        if (value.Length != 4)
        {
            throw Corrupt(PdStorageFormat.VersionKey, $"format version is {value.Length} bytes, expected 4");
        }
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(value);
        if (version != PdStorageFormat.CurrentVersion)
        {
            throw Corrupt(PdStorageFormat.VersionKey,
                $"unknown format version {version}; this build reads version {PdStorageFormat.CurrentVersion}");
        }
    }

    /// <summary>The cluster id, or null in a new database.</summary>
    public ulong? LoadClusterId() => LoadFixed64(PdStorageFormat.ClusterIdKey);

    /// <summary>Persists the cluster id (synced).</summary>
    public void SaveClusterId(ulong clusterId) => SaveFixed64(PdStorageFormat.ClusterIdKey, clusterId);

    /// <summary>This PD member's id, or null in a new database.</summary>
    public ulong? LoadMemberId() => LoadFixed64(PdStorageFormat.MemberIdKey);

    /// <summary>Persists this PD member's id (synced).</summary>
    public void SaveMemberId(ulong memberId) => SaveFixed64(PdStorageFormat.MemberIdKey, memberId);

    /// <summary>The TSO upper bound in unix ms (0 when never saved).</summary>
    public long LoadTsoBound() => (long)(LoadFixed64(PdStorageFormat.TsoBoundKey) ?? 0);

    /// <summary>Persists the TSO upper bound (synced).</summary>
    public void SaveTsoBound(long boundMs) => SaveFixed64(PdStorageFormat.TsoBoundKey, (ulong)boundMs);

    /// <summary>The id allocator's persisted bound (0 when never saved).</summary>
    public ulong LoadIdBound() => LoadFixed64(PdStorageFormat.IdBoundKey) ?? 0;

    /// <summary>Persists the id allocator's bound (synced).</summary>
    public void SaveIdBound(ulong bound) => SaveFixed64(PdStorageFormat.IdBoundKey, bound);

    /// <summary>The GC safe point (0 when never saved).</summary>
    public ulong LoadGcSafePoint() => LoadFixed64(PdStorageFormat.GcSafePointKey) ?? 0;

    /// <summary>Persists the GC safe point (synced).</summary>
    public void SaveGcSafePoint(ulong safePoint) => SaveFixed64(PdStorageFormat.GcSafePointKey, safePoint);

    /// <summary>The bootstrap record (metapb.Cluster), or null when the cluster is not bootstrapped.</summary>
    public Metapb.Cluster? LoadClusterMeta()
    {
        byte[]? value = _db.Get(PdStorageFormat.ClusterMetaKey);
        return value is null ? null : Parse(Metapb.Cluster.Parser, PdStorageFormat.ClusterMetaKey, value);
    }

    /// <summary>Writes the bootstrap record, the first store and the first region in one synced batch.</summary>
    public void SaveBootstrap(Metapb.Cluster cluster, Metapb.Store store, Metapb.Region region)
    {
        var batch = new WriteBatch();
        batch.Put(PdStorageFormat.ClusterMetaKey, cluster.ToByteArray());
        batch.Put(IdKey(PdStorageFormat.StorePrefix, store.Id), store.ToByteArray());
        batch.Put(IdKey(PdStorageFormat.RegionPrefix, region.Id), region.ToByteArray());
        _db.Write(batch, s_sync);
    }

    /// <summary>Persists a store's metadata (synced).</summary>
    public void SaveStore(Metapb.Store store) =>
        _db.Put(IdKey(PdStorageFormat.StorePrefix, store.Id), store.ToByteArray(), s_sync);

    /// <summary>Every persisted store, in id order.</summary>
    public List<Metapb.Store> LoadStores() => LoadAll(PdStorageFormat.StorePrefix, Metapb.Store.Parser, static s => s.Id);

    /// <summary>
    /// Persists <paramref name="region"/> and deletes the records of the regions it replaced, in one batch
    /// (not synced: region records are a cache rebuilt by heartbeats).
    /// </summary>
    public void SaveRegion(Metapb.Region region, List<ulong>? deletedRegionIds)
    {
        var batch = new WriteBatch();
        if (deletedRegionIds is not null)
        {
            foreach (ulong id in deletedRegionIds)
            {
                batch.Delete(IdKey(PdStorageFormat.RegionPrefix, id));
            }
        }
        batch.Put(IdKey(PdStorageFormat.RegionPrefix, region.Id), region.ToByteArray());
        _db.Write(batch, s_noSync);
    }

    /// <summary>Every persisted region, in id order.</summary>
    public List<Metapb.Region> LoadRegions() =>
        LoadAll(PdStorageFormat.RegionPrefix, Metapb.Region.Parser, static r => r.Id);

    private List<T> LoadAll<T>(ReadOnlySpan<byte> prefix, MessageParser<T> parser, Func<T, ulong> idOf)
        where T : IMessage<T>
    {
        var result = new List<T>();
        byte[] lower = prefix.ToArray();
        byte[] upper = prefix.ToArray();
        upper[^1]++; // '/' + 1 = '0': the first key past the prefix
        using LsmIterator it = _db.NewIterator(new ReadOptions { LowerBound = lower, UpperBound = upper });
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            ReadOnlySpan<byte> key = it.Key;
            if (key.Length != prefix.Length + PdStorageFormat.IdSuffixSize)
            {
                throw Corrupt(key, $"key is {key.Length} bytes, expected {prefix.Length + PdStorageFormat.IdSuffixSize}");
            }
            ulong id = BinaryPrimitives.ReadUInt64BigEndian(key[prefix.Length..]);
            T item = Parse(parser, key, it.Value);
            if (idOf(item) != id)
            {
                throw Corrupt(key, $"record holds id {idOf(item)}, key says {id}");
            }
            result.Add(item);
        }
        return result;
    }

    /// <summary>Builds prefix + 8-byte big-endian id.</summary>
    internal static byte[] IdKey(ReadOnlySpan<byte> prefix, ulong id)
    {
        var key = new byte[prefix.Length + PdStorageFormat.IdSuffixSize];
        prefix.CopyTo(key);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(prefix.Length), id);
        return key;
    }

    private ulong? LoadFixed64(ReadOnlySpan<byte> key)
    {
        byte[]? value = _db.Get(key);
        if (value is null)
        {
            return null;
        }
        if (value.Length != 8)
        {
            throw Corrupt(key, $"value is {value.Length} bytes, expected 8");
        }
        return BinaryPrimitives.ReadUInt64LittleEndian(value);
    }

    private void SaveFixed64(ReadOnlySpan<byte> key, ulong value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);
        _db.Put(key, buffer, s_sync);
    }

    private T Parse<T>(MessageParser<T> parser, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(value);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw Corrupt(key, $"{typeof(T).Name} does not parse: {e.Message}", e);
        }
    }

    private PdMetadataCorruptionException Corrupt(ReadOnlySpan<byte> key, string reason, Exception? inner = null) =>
        new(_path, PrintableKey(key), reason, inner);

    /// <summary>The key with printable ASCII kept and other bytes as \xNN.</summary>
    internal static string PrintableKey(ReadOnlySpan<byte> key)
    {
        var sb = new StringBuilder(key.Length);
        foreach (byte b in key)
        {
            if (b is >= 0x20 and < 0x7F && b != (byte)'\\')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    /// <summary>Closes the database.</summary>
    public void Dispose() => _db.Dispose();
}
