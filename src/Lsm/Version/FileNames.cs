using System.Globalization;

namespace ManagedKv.Lsm.Version;

/// <summary>
/// File names inside a DB folder (FORMAT.md, "Files"): NNNNNN.sst, NNNNNN.log, MANIFEST-NNNNNN, CURRENT, LOCK,
/// and temporary files NNNNNN.dbtmp. Numbers come from one counter recorded in the MANIFEST.
/// </summary>
internal static class FileNames
{
    public const string Current = "CURRENT";
    public const string Lock = "LOCK";

    public static string TableFileName(string dbPath, ulong number) => Path.Combine(dbPath, number.ToString("D6", CultureInfo.InvariantCulture) + ".sst");

    public static string LogFileName(string dbPath, ulong number) => Path.Combine(dbPath, number.ToString("D6", CultureInfo.InvariantCulture) + ".log");

    public static string ManifestFileName(string dbPath, ulong number) => Path.Combine(dbPath, "MANIFEST-" + number.ToString("D6", CultureInfo.InvariantCulture));

    public static string TempFileName(string dbPath, ulong number) => Path.Combine(dbPath, number.ToString("D6", CultureInfo.InvariantCulture) + ".dbtmp");

    public enum Kind
    {
        Unknown,
        Table,
        Log,
        Manifest,
        Current,
        Lock,
        Temp,
    }

    /// <summary>Parses a file name (no folder) of a DB folder.</summary>
    public static Kind Parse(string fileName, out ulong number)
    {
        number = 0;
        if (fileName == Current)
        {
            return Kind.Current;
        }
        if (fileName == Lock)
        {
            return Kind.Lock;
        }
        if (fileName.StartsWith("MANIFEST-", StringComparison.Ordinal))
        {
            return ulong.TryParse(fileName.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out number) ? Kind.Manifest : Kind.Unknown;
        }
        int dot = fileName.IndexOf('.');
        if (dot <= 0 || !ulong.TryParse(fileName.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out number))
        {
            return Kind.Unknown;
        }
        return fileName.AsSpan(dot) switch
        {
            ".sst" => Kind.Table,
            ".log" => Kind.Log,
            ".dbtmp" => Kind.Temp,
            _ => Kind.Unknown,
        };
    }
}
