namespace ManagedKv.Txn;

/// <summary>kvproto <c>RawCASResponse</c>: 3 succeed, 4 previous_not_exist, 5 previous_value.</summary>
public sealed class RawCasResult
{
    public bool Succeed { get; init; }

    public bool PreviousNotExist { get; init; }

    public byte[] PreviousValue { get; init; } = [];
}
