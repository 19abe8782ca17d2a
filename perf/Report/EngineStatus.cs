namespace ManagedKv.Perf.Report;

/// <summary>An engine requested by --engines: whether it ran, its version, or why it is not available.</summary>
public sealed record EngineStatus(string Name, bool Available, string Version, string? Reason);
