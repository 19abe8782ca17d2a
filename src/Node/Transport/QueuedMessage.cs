namespace ManagedKv.Node.Transport;

/// <summary>One encoded message in a <see cref="StoreConnection"/>'s buffer: its region and where its bytes lie.</summary>
internal readonly record struct QueuedMessage(ulong RegionId, int Offset, int Length);
