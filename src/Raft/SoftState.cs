namespace ManagedKv.Raft;

/// <summary>Volatile state worth reporting but not persisting: the known leader and this node's role.</summary>
/// <param name="Lead">The leader's id, or 0 if unknown.</param>
/// <param name="RaftState">This node's role.</param>
public sealed record SoftState(ulong Lead, StateRole RaftState);
