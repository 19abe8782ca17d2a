namespace ManagedKv.Lsm.Memtable;

/// <summary>Construction options of a <see cref="MemTable"/>.</summary>
internal sealed class MemTableOptions
{
    /// <summary>The defaults: chunks from <see cref="ArenaChunkPool.Shared"/>.</summary>
    public static MemTableOptions Default { get; } = new();

    /// <summary>Where the memtable's arena takes its chunks and returns them when the memtable is freed. Default: the shared 1 MiB pool.</summary>
    public ArenaChunkPool ChunkPool { get; init; } = ArenaChunkPool.Shared;
}
