namespace ManagedKv.Raft;

/// <summary>A received message batch failed its checksum or is malformed; nothing from it was returned.</summary>
public sealed class CorruptMessageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CorruptMessageException(string message, long offset)
        : base($"{message} (at offset {offset})")
    {
        Offset = offset;
    }

    /// <summary>The byte offset in the batch where the problem was found.</summary>
    public long Offset { get; }
}
