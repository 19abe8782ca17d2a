using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Util;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm;

/// <summary>
/// Writes a standalone SST for <see cref="LsmDb.IngestExternalFiles(ColumnFamily, IReadOnlyList{string}, IngestOptions?)"/>
/// (RocksDB's SstFileWriter): the DB's own table format with its properties block, every entry stored with sequence
/// number 0 and the file marked external (FORMAT.md, "External SST files"). User keys must be strictly increasing
/// (bytewise) — one entry per key. The column family's options give block size, bloom filter, compression (that of
/// the last level) and the table-properties collectors, which see every entry as in a flush. Not thread-safe; reusable
/// after <see cref="Finish"/> by calling <see cref="Open"/> again.
/// </summary>
public sealed class SstFileWriter : IDisposable
{
    private readonly ColumnFamilyOptions _options;
    private readonly uint _cfId;
    private readonly string _cfName;
    private TableBuilder? _builder;
    private string? _path;
    private byte[] _lastKey = new byte[64];
    private int _lastKeyLength = -1;   // -1: no entry yet
    private byte[] _scratch = new byte[64];
    // Invariant: _builder != null exactly between Open and Finish/Dispose; _lastKey holds the last user key added.

    /// <summary>A writer using <paramref name="options"/> (default: the options of <paramref name="columnFamily"/>, else defaults).</summary>
    /// <param name="options">Table options and collector factories; copied.</param>
    /// <param name="columnFamily">Recorded in the file's properties and given to collectors; null records "default" (id 0).</param>
    public SstFileWriter(ColumnFamilyOptions? options = null, ColumnFamily? columnFamily = null)
    {
        _options = (options ?? columnFamily?.Options ?? new ColumnFamilyOptions()).Clone();
        _cfId = columnFamily?.Id ?? 0;
        _cfName = columnFamily?.Name ?? ColumnFamilyNames.Default;
    }

    /// <summary>Bytes the file would take if finished now (roughly); 0 when no file is open.</summary>
    public long FileSize => _builder?.EstimatedFileSize ?? 0;

    /// <summary>Creates (or truncates) <paramref name="path"/> and starts a new file.</summary>
    public void Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (_builder is not null)
        {
            throw new InvalidOperationException($"SstFileWriter already writes '{_path}'; Finish it first.");
        }
        var builderOptions = new TableBuilderOptions
        {
            BlockSize = _options.BlockSize,
            BlockRestartInterval = _options.BlockRestartInterval,
            BloomBitsPerKey = _options.BloomBitsPerKey,
            WholeKeyFiltering = _options.WholeKeyFiltering,
            Compression = _options.CompressionForLevel(_options.NumLevels - 1, 1),
            ColumnFamilyName = _cfName,
            ColumnFamilyId = _cfId,
            CreationTime = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            IsExternalFile = true,
            Collectors = TablePropertiesCollectorSet.Create(_options.TablePropertiesCollectorFactories,
                new TablePropertiesCollectorContext(_cfId, _cfName, -1, TableFileCreationReason.External)),
        };
        _builder = new TableBuilder(path, builderOptions);
        _path = path;
        _lastKeyLength = -1;
    }

    /// <summary>Adds <paramref name="key"/> → <paramref name="value"/>. REQUIRES: <paramref name="key"/> is above every key added so far.</summary>
    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Add(key, value, ValueType.Value);

    /// <summary>Adds a tombstone for <paramref name="key"/> (it hides older versions in the DB once ingested). Same order rule as <see cref="Put"/>.</summary>
    public void Delete(ReadOnlySpan<byte> key) => Add(key, default, ValueType.Deletion);

    private void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ValueType type)
    {
        TableBuilder builder = _builder ?? throw new InvalidOperationException("SstFileWriter has no open file; call Open first.");
        if (_lastKeyLength >= 0 && key.SequenceCompareTo(_lastKey.AsSpan(0, _lastKeyLength)) <= 0)
        {
            ThrowHelper.ThrowArgument($"Keys added to '{_path}' must be strictly increasing.", nameof(key));
        }
        int length = key.Length + InternalKey.TrailerSize;
        if (_scratch.Length < length)
        {
            _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
        }
        InternalKey.Write(_scratch, key, 0, type);
        builder.Add(_scratch.AsSpan(0, length), value);
        if (_lastKey.Length < key.Length)
        {
            _lastKey = new byte[Math.Max(key.Length, _lastKey.Length * 2)];
        }
        key.CopyTo(_lastKey);
        _lastKeyLength = key.Length;
    }

    /// <summary>Writes the rest of the file, fsyncs and closes it. A file without entries is refused (and deleted).</summary>
    public ExternalSstFileInfo Finish()
    {
        TableBuilder builder = _builder ?? throw new InvalidOperationException("SstFileWriter has no open file; call Open first.");
        string path = _path!;
        if (builder.NumEntries == 0)
        {
            _builder = null;
            builder.Abandon();
            throw new InvalidOperationException($"Cannot finish '{path}': an external SST needs at least one entry.");
        }
        _builder = null;
        TableProperties p;
        try
        {
            p = builder.Finish(sync: true);
        }
        catch
        {
            builder.Abandon();
            throw;
        }
        return new ExternalSstFileInfo(path, InternalKey.UserKey(p.SmallestKey).ToArray(), InternalKey.UserKey(p.LargestKey).ToArray(),
            p.NumEntries, p.FileSize, p);
    }

    /// <summary>Abandons (deletes) a file not finished.</summary>
    public void Dispose()
    {
        _builder?.Abandon();
        _builder = null;
    }
}
