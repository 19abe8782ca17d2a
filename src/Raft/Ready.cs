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
/// <remarks>
/// Lifetime: a Ready is released once it is reported persisted and its committed entries are reported applied
/// (<see cref="RawNode.Advance"/> does both). From then on the node reuses the Ready object, its lists, its
/// messages and the memory its entry slices view: send or encode the messages and write the entries before
/// reporting; copy anything kept longer. This is what lets steady replication allocate nothing.
/// </remarks>
public sealed class Ready
{
    private readonly List<ReadState> _readStates = [];

    internal Ready()
    {
    }

    /// <summary>The sequence number of this Ready (for <see cref="RawNode.OnPersistReady"/>).</summary>
    public ulong Number { get; internal set; }

    /// <summary>The new leader / role, or null if unchanged.</summary>
    public SoftState? SoftState { get; internal set; }

    /// <summary>The hard state to persist, or null if unchanged.</summary>
    public HardState? HardState { get; internal set; }

    /// <summary>Answers to ReadIndex requests.</summary>
    public IReadOnlyList<ReadState> ReadStates => _readStates;

    /// <summary>Entries to append to stable storage.</summary>
    public EntrySlice Entries { get; internal set; }

    /// <summary>A snapshot to install in storage and the state machine, or null.</summary>
    public Snapshot? Snapshot { get; internal set; }

    /// <summary>Committed entries to apply, in order. Only entries persisted locally are included.</summary>
    public EntrySlice CommittedEntries { get; internal set; }

    /// <summary>Messages that may be sent right away.</summary>
    public List<Message> Messages { get; } = [];

    /// <summary>Messages to send only after this Ready's entries, snapshot and hard state are persisted.</summary>
    public List<Message> PersistedMessages { get; } = [];

    /// <summary>Whether the write must reach stable storage (fsync) before <see cref="PersistedMessages"/> go out:
    /// true when the term, vote, entries or snapshot changed.</summary>
    public bool MustSync { get; internal set; }

    internal List<ReadState> ReadStateList => _readStates;

    /// <summary>The snapshot handed out for persistence (0 if none).</summary>
    internal ulong SnapshotIndex { get; set; }

    /// <summary>The last entry handed out for persistence (0 if none).</summary>
    internal ulong LastIndex { get; set; }

    internal ulong LastTerm { get; set; }

    /// <summary>The index of the last committed entry handed out for applying (0 if none).</summary>
    internal ulong LastCommittedIndex { get; set; }

    /// <summary>Clears everything for reuse (messages must have been returned to their pool already).</summary>
    internal void Reset()
    {
        Number = 0;
        SoftState = null;
        HardState = null;
        _readStates.Clear();
        Entries = default;
        Snapshot = null;
        CommittedEntries = default;
        Messages.Clear();
        PersistedMessages.Clear();
        MustSync = false;
        SnapshotIndex = 0;
        LastIndex = 0;
        LastTerm = 0;
        LastCommittedIndex = 0;
    }
}
