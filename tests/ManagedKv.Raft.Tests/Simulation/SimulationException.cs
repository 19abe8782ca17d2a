namespace ManagedKv.Raft.Tests;

/// <summary>A safety or liveness violation found by the <see cref="ClusterSimulator"/>; the message names the seed.</summary>
internal sealed class SimulationException : Exception
{
    public SimulationException(string message)
        : base(message)
    {
    }

    public SimulationException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
