namespace ManagedKv.RaftEngine;

/// <summary>
/// Data read from a log file failed a check (checksum, magic, version, length, item grammar). Names the file and
/// the byte offset of the batch or block that failed. The engine never returns data that failed a check.
/// </summary>
public sealed class CorruptionException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/> at <paramref name="offset"/>.</summary>
    public CorruptionException(string path, long offset, string reason)
        : base($"Corruption in '{path}' at offset {offset}: {reason}")
    {
        FilePath = path;
        Offset = offset;
        Reason = reason;
    }

    /// <summary>The file that holds the bad data.</summary>
    public string FilePath { get; }

    /// <summary>Byte offset in <see cref="FilePath"/> of the batch or block that failed the check.</summary>
    public long Offset { get; }

    /// <summary>Which check failed.</summary>
    public string Reason { get; }
}
