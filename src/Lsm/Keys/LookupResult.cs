namespace ManagedKv.Lsm.Keys;

/// <summary>What a point lookup in one source (memtable, table) found for a user key at a sequence.</summary>
internal enum LookupResult
{
    /// <summary>This source has no entry for the key visible at the sequence; look in older sources.</summary>
    NotFound,

    /// <summary>The newest visible entry is a value; it was written to the caller's sink.</summary>
    Found,

    /// <summary>The newest visible entry is a deletion; stop looking.</summary>
    Deleted,
}
