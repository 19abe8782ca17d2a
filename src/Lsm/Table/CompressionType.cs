namespace ManagedKv.Lsm;

/// <summary>
/// Block compression. Each SST block records the type it was written with, so files written with different
/// options read back. On-disk: never renumber (values follow RocksDB's CompressionType).
/// </summary>
public enum CompressionType : byte
{
    None = 0x0,
    Lz4 = 0x4,
    Zstd = 0x7,
}
