namespace ManagedKv.RaftEngine.Tests.Engine;

/// <summary>The obviously-correct model of the engine's contract: per region a list of entries and a state map.</summary>
internal sealed class LogModel
{
    public sealed class Region
    {
        public ulong First;
        public readonly List<byte[]> Entries = [];
        public readonly Dictionary<string, byte[]> States = [];

        public ulong Last => First + (ulong)Entries.Count - 1;
    }

    public readonly SortedDictionary<ulong, Region> Regions = [];

    public Region GetOrAdd(ulong id)
    {
        if (!Regions.TryGetValue(id, out Region? r))
        {
            r = new Region();
            Regions[id] = r;
        }
        return r;
    }

    public void Append(ulong id, ulong first, IReadOnlyList<ReadOnlyMemory<byte>> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }
        Region r = GetOrAdd(id);
        if (r.Entries.Count == 0 || first > r.Last + 1 || first <= r.First)
        {
            r.Entries.Clear();
            r.First = first;
        }
        else
        {
            r.Entries.RemoveRange((int)(first - r.First), r.Entries.Count - (int)(first - r.First));
        }
        foreach (ReadOnlyMemory<byte> e in entries)
        {
            r.Entries.Add(e.ToArray());
        }
    }

    public void Compact(ulong id, ulong to)
    {
        if (!Regions.TryGetValue(id, out Region? r) || r.Entries.Count == 0 || to <= r.First)
        {
            return;
        }
        if (to > r.Last)
        {
            r.Entries.Clear();
            return;
        }
        r.Entries.RemoveRange(0, (int)(to - r.First));
        r.First = to;
    }

    public void Clean(ulong id) => Regions.Remove(id);

    public void Put(ulong id, string key, byte[] value) => GetOrAdd(id).States[key] = value;

    public void Delete(ulong id, string key)
    {
        if (Regions.TryGetValue(id, out Region? r))
        {
            r.States.Remove(key);
        }
    }
}
