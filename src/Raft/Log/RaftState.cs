namespace ManagedKv.Raft;

/// <summary>What a node restores at start: its persisted <see cref="HardState"/> and current <see cref="ConfState"/>.</summary>
/// <param name="HardState">The last persisted hard state.</param>
/// <param name="ConfState">The configuration as of the last applied snapshot or configuration change.</param>
public sealed record RaftState(HardState HardState, ConfState ConfState);
