namespace ManagedKv.Txn;

/// <summary>
/// Constants of the lock and write record formats (FORMAT.md §3 and §4). Tags are on-disk: never renumber.
/// A reader that meets an unknown type byte or tag reports <see cref="MvccFormatException"/>: it was written by a
/// newer format version and cannot be interpreted safely.
/// </summary>
internal static class MvccFormat
{
    /// <summary>Format version described by FORMAT.md; bumped when a tag's meaning changes.</summary>
    public const int Version = 1;

    /// <summary>Values up to this many bytes are inlined in the lock and write records.</summary>
    public const int ShortValueMaxLength = 255;

    // Lock record optional field tags.
    public const byte LockTagShortValue = (byte)'v';
    public const byte LockTagForUpdateTs = (byte)'f';
    public const byte LockTagTxnSize = (byte)'t';
    public const byte LockTagMinCommitTs = (byte)'c';
    public const byte LockTagAsyncCommit = (byte)'a';
    public const byte LockTagRollbackTs = (byte)'r';

    // Write record optional field tags.
    public const byte WriteTagShortValue = (byte)'v';
    public const byte WriteTagOverlappedRollback = (byte)'R';
    public const byte WriteTagProtectedRollback = (byte)'p';

    public const string LockCf = "lock";
    public const string WriteCf = "write";
}
