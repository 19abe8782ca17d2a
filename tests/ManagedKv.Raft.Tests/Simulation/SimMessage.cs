namespace ManagedKv.Raft.Tests;

/// <summary>A message in flight in the simulated network, delivered no earlier than <see cref="DueTick"/>.</summary>
internal readonly record struct SimMessage(Message Message, long DueTick);
