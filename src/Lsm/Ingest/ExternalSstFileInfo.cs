namespace ManagedKv.Lsm;

/// <summary>What <see cref="SstFileWriter.Finish"/> wrote (RocksDB's ExternalSstFileInfo).</summary>
/// <param name="FilePath">The file written.</param>
/// <param name="SmallestKey">Smallest user key.</param>
/// <param name="LargestKey">Largest user key.</param>
/// <param name="NumEntries">Entries (puts and deletes).</param>
/// <param name="FileSize">Bytes of the file.</param>
/// <param name="Properties">The file's table properties, user-collected ones included.</param>
public sealed record ExternalSstFileInfo(string FilePath, byte[] SmallestKey, byte[] LargestKey, ulong NumEntries, long FileSize, TableProperties Properties)
{
    /// <summary>The sequence number stored with every entry: always 0 (a global one may be given at ingest).</summary>
    public ulong SequenceNumber => 0;
}
