using ManagedKv.Perf.Cli;

namespace ManagedKv.Perf.Report;

/// <summary>Everything one run measured and the options it used; serialized to perf-results/&lt;RunId&gt;.json.</summary>
public sealed record RunReport
{
    public required string RunId { get; init; }

    public required DateTimeOffset StartedUtc { get; init; }

    public required string CommandLine { get; init; }

    public required MachineInfo Machine { get; init; }

    public required BenchConfig Config { get; init; }

    public required IReadOnlyList<EngineStatus> Engines { get; init; }

    public List<WorkloadResult> Results { get; init; } = [];

    public List<RatioRow> Ratios { get; init; } = [];
}
