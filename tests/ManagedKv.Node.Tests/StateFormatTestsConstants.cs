namespace ManagedKv.Node.Tests;

/// <summary>Values from src/Node/FORMAT.md the tests check against.</summary>
public static class StateFormatTestsConstants
{
    /// <summary>The index a bootstrapped region's log starts after.</summary>
    public const ulong InitialIndex = 5;
}
