using System.Threading.Tasks.Sources;

namespace ManagedKv.Node.Pd;

/// <summary>
/// One pending <see cref="PdClient.GetTimestampAsync"/> caller: a pooled, resettable value-task source, so a caller
/// costs no allocation beyond the pool's steady state. Completed by the TSO dispatcher task; continuations run
/// asynchronously so completing a batch never runs callers' code on the dispatcher. Returned to the pool when the
/// awaiter reads its result (which it does exactly once, the <see cref="System.Threading.Tasks.ValueTask{TResult}"/> contract).
/// </summary>
internal sealed class TsoWaiter : IValueTaskSource<ulong>
{
    private readonly PdClient _owner;
    private ManualResetValueTaskSourceCore<ulong> _core = new() { RunContinuationsAsynchronously = true };

    public TsoWaiter(PdClient owner) => _owner = owner;

    public ValueTask<ulong> Task => new(this, _core.Version);

    public void SetResult(ulong timestamp) => _core.SetResult(timestamp);

    public void SetException(Exception error) => _core.SetException(error);

    public ulong GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            _owner.ReturnWaiter(this);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
