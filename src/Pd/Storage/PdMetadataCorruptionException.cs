// A metadata record of PD's store that cannot be decoded: wrong size, unparsable protobuf, or an unknown format
// version. PD never guesses a value it cannot read; the open or the call fails with this exception.
namespace ManagedKv.Pd.Storage;

/// <summary>PD's persisted metadata is corrupt or of an unknown format.</summary>
public sealed class PdMetadataCorruptionException : IOException
{
    /// <summary>Creates the exception for the record at <paramref name="key"/> in the database at <paramref name="path"/>.</summary>
    public PdMetadataCorruptionException(string path, string key, string reason, Exception? inner = null)
        : base($"Corrupt PD metadata in '{path}' at key '{key}': {reason}", inner)
    {
        DataPath = path;
        Key = key;
        Reason = reason;
    }

    /// <summary>Directory of the PD metadata database.</summary>
    public string DataPath { get; }

    /// <summary>The key whose value failed to decode, printed with non-ASCII bytes as \xNN.</summary>
    public string Key { get; }

    /// <summary>Which check failed.</summary>
    public string Reason { get; }
}
