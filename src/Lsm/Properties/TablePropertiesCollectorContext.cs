namespace ManagedKv.Lsm;

/// <summary>
/// What a <see cref="ITablePropertiesCollectorFactory"/> is told about the file it collects for.
/// </summary>
/// <param name="ColumnFamilyId">Id of the column family (0 for an <c>SstFileWriter</c> file written without one).</param>
/// <param name="ColumnFamilyName">Name of the column family ("default" when none was given).</param>
/// <param name="Level">The level the file is written to; -1 when unknown (an external file).</param>
/// <param name="Reason">Why the file is written.</param>
public sealed record TablePropertiesCollectorContext(uint ColumnFamilyId, string ColumnFamilyName, int Level, TableFileCreationReason Reason);
