namespace ManagedKv.Lsm;

/// <summary>
/// Data read from disk failed a check (checksum, magic, length, ordering). Names the file and the byte offset
/// where the bad data starts. The engine never returns data that failed a check.
/// </summary>
public sealed class CorruptionException : IOException
{
    public CorruptionException(string path, long offset, string reason)
        : base($"Corruption in '{path}' at offset {offset}: {reason}")
    {
        FilePath = path;
        Offset = offset;
        Reason = reason;
    }

    /// <summary>The file that holds the bad data.</summary>
    public string FilePath { get; }

    /// <summary>Byte offset in <see cref="FilePath"/> of the record or block that failed the check.</summary>
    public long Offset { get; }

    /// <summary>Which check failed.</summary>
    public string Reason { get; }
}
