using System.Text.Json.Serialization;

namespace ManagedKv.Perf.Report;

/// <summary>Source-generated System.Text.Json metadata for the run report (no reflection at run time).</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunReport))]
[JsonSerializable(typeof(WorkloadResult))]
internal sealed partial class ReportJsonContext : JsonSerializerContext
{
}
