namespace ManagedKv.Raft.Tests;

/// <summary>Deep copies of messages, as a transport makes when it encodes them: a Ready's messages are reused by
/// the node once the Ready is released, so anything delivered later must be a copy.</summary>
internal static class MessageCopy
{
    public static Message Clone(Message m) => new()
    {
        Type = m.Type, To = m.To, From = m.From, Term = m.Term, LogTerm = m.LogTerm, Index = m.Index,
        Entries = m.Entries.ToArray(), Commit = m.Commit, Snapshot = m.Snapshot, Reject = m.Reject,
        RejectHint = m.RejectHint, Context = m.Context,
    };
}
