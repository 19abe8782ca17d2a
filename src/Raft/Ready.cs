namespace ManagedKv.Raft;

/// <summary>
/// Everything a <see cref="RawNode"/> asks the application to do, handed out by <see cref="RawNode.Ready"/>:
/// <list type="number">
/// <item>send <see cref="Messages"/> (may go at once, even before persisting);</item>
/// <item>install <see cref="Snapshot"/>, append <see cref="Entries"/> and save <see cref="HardState"/> to stable
/// storage (synchronously if <see cref="MustSync"/>), possibly batched with other groups' writes;</item>
/// <item>then send <see cref="PersistedMessages"/> and report with <see cref="RawNode.OnPersistReady"/> (or
/// <see cref="RawNode.Advance"/>);</item>
/// <item>apply <see cref="CommittedEntries"/> and report with <see cref="RawNode.AdvanceApplyTo"/>.</item>
/// </list>
/// Readies are numbered; persisting a later one implies the earlier ones were persisted.
/// </summary>
public sealed class Ready
{
    internal Ready(ulong number)
    {
        Number = number;
    }

    /// <summary>The sequence number of this Ready (for <see cref="RawNode.OnPersistReady"/>).</summary>
    public ulong Number { get; }

    /// <summary>The new leader / role, or null if unchanged.</summary>
    public SoftState? SoftState { get; internal set; }

    /// <summary>The hard state to persist, or null if unchanged.</summary>
    public HardState? HardState { get; internal set; }

    /// <summary>Answers to ReadIndex requests.</summary>
    public IReadOnlyList<ReadState> ReadStates { get; internal set; } = [];

    /// <summary>Entries to append to stable storage.</summary>
    public Entry[] Entries { get; internal set; } = [];

    /// <summary>A snapshot to install in storage and the state machine, or null.</summary>
    public Snapshot? Snapshot { get; internal set; }

    /// <summary>Committed entries to apply, in order. Only entries persisted locally are included.</summary>
    public Entry[] CommittedEntries { get; internal set; } = [];

    /// <summary>Messages that may be sent right away.</summary>
    public List<Message> Messages { get; internal set; } = [];

    /// <summary>Messages to send only after this Ready's entries, snapshot and hard state are persisted.</summary>
    public List<Message> PersistedMessages { get; internal set; } = [];

    /// <summary>Whether the write must reach stable storage (fsync) before <see cref="PersistedMessages"/> go out:
    /// true when the term, vote, entries or snapshot changed.</summary>
    public bool MustSync { get; internal set; }
}
