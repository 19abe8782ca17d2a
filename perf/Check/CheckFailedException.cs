namespace ManagedKv.Perf.Check;

/// <summary>A self-check found the harness or an engine adapter wrong.</summary>
internal sealed class CheckFailedException : Exception
{
    public CheckFailedException(string message)
        : base(message)
    {
    }
}
