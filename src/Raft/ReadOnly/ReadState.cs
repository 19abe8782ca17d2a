namespace ManagedKv.Raft;

/// <summary>
/// The answer to a <see cref="RawNode.ReadIndex"/> request: once the application has applied up to
/// <see cref="Index"/>, a read issued with <see cref="RequestContext"/> is linearizable.
/// </summary>
/// <param name="Index">The commit index at the time the request was confirmed.</param>
/// <param name="RequestContext">The context given to <see cref="RawNode.ReadIndex"/>.</param>
public sealed record ReadState(ulong Index, ReadOnlyMemory<byte> RequestContext);
