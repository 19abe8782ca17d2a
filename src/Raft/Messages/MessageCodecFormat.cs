namespace ManagedKv.Raft;

/// <summary>Constants of the wire format (FORMAT.md). On the wire: never renumber.</summary>
internal static class MessageCodecFormat
{
    /// <summary>The batch format version written; readers refuse any other.</summary>
    public const byte BatchVersion = 1;

    public const byte FlagReject = 1;
    public const byte FlagSnapshot = 2;
    public const byte FlagContext = 4;
    public const byte FlagEntries = 8;

    /// <summary>The highest <see cref="MessageType"/> value a reader accepts.</summary>
    public const byte MaxMessageType = (byte)MessageType.MsgRequestPreVoteResponse;

    public const int CrcBytes = 4;
}
