namespace ManagedKv.Perf.Engines;

/// <summary>
/// One engine the harness knows by name: whether it is built into this binary, why not if it is not, and how to
/// open it. Immutable.
/// </summary>
internal sealed class EngineDescriptor
{
    private readonly Func<string, EngineOptions, IBenchEngine>? _open;

    public EngineDescriptor(string name, string version, Func<string, EngineOptions, IBenchEngine> open)
    {
        Name = name;
        Version = version;
        _open = open;
        UnavailableReason = null;
    }

    public EngineDescriptor(string name, string unavailableReason)
    {
        Name = name;
        Version = "";
        UnavailableReason = unavailableReason;
    }

    public string Name { get; }

    public string Version { get; }

    public bool IsAvailable => _open is not null;

    public string? UnavailableReason { get; }

    /// <summary>Opens (creating if missing) the engine's database in <paramref name="path"/>.</summary>
    public IBenchEngine Open(string path, EngineOptions options) =>
        _open is null ? throw new InvalidOperationException($"engine {Name} is not available: {UnavailableReason}") : _open(path, options);
}
