namespace ManagedKv.Raft;

/// <summary>Looks up the index a voter has acknowledged (its <c>Progress.Match</c>), without allocating.</summary>
internal interface IAckedIndexer
{
    bool TryAckedIndex(ulong id, out ulong index);
}
