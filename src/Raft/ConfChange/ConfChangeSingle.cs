namespace ManagedKv.Raft;

/// <summary>One membership step: add, remove or demote a node.</summary>
/// <param name="Type">What to do.</param>
/// <param name="NodeId">The node; 0 is ignored.</param>
public readonly record struct ConfChangeSingle(ConfChangeType Type, ulong NodeId);
