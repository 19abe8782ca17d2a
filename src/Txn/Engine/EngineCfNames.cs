namespace ManagedKv.Txn;

/// <summary>Engine column family names (TiKV's <c>CF_DEFAULT</c>, <c>CF_LOCK</c>, <c>CF_WRITE</c>, plus our raw CF).</summary>
public static class EngineCfNames
{
    public const string Default = "default";
    public const string Lock = "lock";
    public const string Write = "write";
    public const string Raw = "raw";

    /// <summary>Number of column families.</summary>
    public const int Count = 4;

    /// <summary>Name of <paramref name="cf"/>.</summary>
    public static string Of(EngineCf cf) => cf switch
    {
        EngineCf.Default => Default,
        EngineCf.Lock => Lock,
        EngineCf.Write => Write,
        EngineCf.Raw => Raw,
        _ => throw new ArgumentOutOfRangeException(nameof(cf), cf, "unknown column family"),
    };
}
