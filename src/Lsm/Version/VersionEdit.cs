using System.Buffers;
using System.Text;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Version;

/// <summary>
/// A change to the version set of one column family (files added and deleted, the CF's WAL number) plus
/// DB-wide counters (next file number, last sequence). Encoded as tagged fields (FORMAT.md, "MANIFEST").
/// Not thread-safe; built by one job and applied under the DB mutex.
/// </summary>
internal sealed class VersionEdit
{
    public string? Comparator;
    public uint? FormatVersion;
    public ulong? LogNumber;
    public ulong? NextFileNumber;
    public ulong? LastSequence;
    public uint? MaxColumnFamily;
    public uint ColumnFamilyId;
    public string? ColumnFamilyAdd;
    public bool ColumnFamilyDrop;
    public readonly List<(int Level, ulong Number)> DeletedFiles = new();
    public readonly List<(int Level, FileMetaData File)> NewFiles = new();

    /// <summary>Names of the CF's code-supplied options (kind → name), recorded so a reopen with other code fails.</summary>
    public SortedDictionary<string, string>? OptionNames;

    public void AddFile(int level, FileMetaData file) => NewFiles.Add((level, file));

    public void DeleteFile(int level, ulong number) => DeletedFiles.Add((level, number));

    public byte[] Encode()
    {
        var w = new ArrayBufferWriter<byte>(128);
        if (FormatVersion is uint fv)
        {
            PutVarint(w, VersionEditFormat.FormatVersion);
            PutVarint(w, fv);
        }
        if (Comparator is not null)
        {
            PutVarint(w, VersionEditFormat.Comparator);
            PutBytes(w, Encoding.UTF8.GetBytes(Comparator));
        }
        if (ColumnFamilyId != 0)
        {
            PutVarint(w, VersionEditFormat.ColumnFamily);
            PutVarint(w, ColumnFamilyId);
        }
        if (ColumnFamilyAdd is not null)
        {
            PutVarint(w, VersionEditFormat.ColumnFamilyAdd);
            PutBytes(w, Encoding.UTF8.GetBytes(ColumnFamilyAdd));
        }
        if (ColumnFamilyDrop)
        {
            PutVarint(w, VersionEditFormat.ColumnFamilyDrop);
        }
        if (LogNumber is ulong ln)
        {
            PutVarint(w, VersionEditFormat.LogNumber);
            PutVarint(w, ln);
        }
        if (NextFileNumber is ulong nf)
        {
            PutVarint(w, VersionEditFormat.NextFileNumber);
            PutVarint(w, nf);
        }
        if (LastSequence is ulong ls)
        {
            PutVarint(w, VersionEditFormat.LastSequence);
            PutVarint(w, ls);
        }
        if (MaxColumnFamily is uint mc)
        {
            PutVarint(w, VersionEditFormat.MaxColumnFamily);
            PutVarint(w, mc);
        }
        foreach ((int level, ulong number) in DeletedFiles)
        {
            PutVarint(w, VersionEditFormat.DeletedFile);
            PutVarint(w, (uint)level);
            PutVarint(w, number);
        }
        foreach ((int level, FileMetaData f) in NewFiles)
        {
            PutVarint(w, f.GlobalSequence == 0 ? VersionEditFormat.NewFile : VersionEditFormat.NewFileWithGlobalSequence);
            PutVarint(w, (uint)level);
            PutVarint(w, f.Number);
            PutVarint(w, (ulong)f.FileSize);
            PutBytes(w, f.Smallest);
            PutBytes(w, f.Largest);
            PutVarint(w, f.SmallestSequence);
            PutVarint(w, f.LargestSequence);
            if (f.GlobalSequence != 0)
            {
                PutVarint(w, f.GlobalSequence);
            }
            if (f.HasRangeDeletions)
            {
                PutVarint(w, VersionEditFormat.NewFileFlags);
                PutVarint(w, f.Number);
                PutVarint(w, VersionEditFormat.FileFlagRangeDeletions);
            }
        }
        if (OptionNames is not null)
        {
            PutVarint(w, VersionEditFormat.OptionNames);
            PutBytes(w, ColumnFamilyOptionNames.Encode(OptionNames));
        }
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Decodes an edit; <paramref name="path"/> and <paramref name="offset"/> name the record for errors.</summary>
    public static VersionEdit Decode(ReadOnlySpan<byte> data, string path, long offset)
    {
        var edit = new VersionEdit();
        var r = new SpanReader(data);
        while (r.Remaining > 0)
        {
            if (!r.TryReadVarint32(out uint tag))
            {
                Fail(path, offset, "bad tag");
            }
            switch (tag)
            {
                case VersionEditFormat.FormatVersion:
                    edit.FormatVersion = ReadU32(ref r, path, offset);
                    break;
                case VersionEditFormat.Comparator:
                    edit.Comparator = ReadString(ref r, path, offset);
                    break;
                case VersionEditFormat.ColumnFamily:
                    edit.ColumnFamilyId = ReadU32(ref r, path, offset);
                    break;
                case VersionEditFormat.ColumnFamilyAdd:
                    edit.ColumnFamilyAdd = ReadString(ref r, path, offset);
                    break;
                case VersionEditFormat.ColumnFamilyDrop:
                    edit.ColumnFamilyDrop = true;
                    break;
                case VersionEditFormat.LogNumber:
                    edit.LogNumber = ReadU64(ref r, path, offset);
                    break;
                case VersionEditFormat.NextFileNumber:
                    edit.NextFileNumber = ReadU64(ref r, path, offset);
                    break;
                case VersionEditFormat.LastSequence:
                    edit.LastSequence = ReadU64(ref r, path, offset);
                    break;
                case VersionEditFormat.MaxColumnFamily:
                    edit.MaxColumnFamily = ReadU32(ref r, path, offset);
                    break;
                case VersionEditFormat.DeletedFile:
                    {
                        int level = (int)ReadU32(ref r, path, offset);
                        ulong number = ReadU64(ref r, path, offset);
                        edit.DeletedFiles.Add((level, number));
                        break;
                    }
                case VersionEditFormat.NewFile:
                case VersionEditFormat.NewFileWithGlobalSequence:
                    {
                        int level = (int)ReadU32(ref r, path, offset);
                        ulong number = ReadU64(ref r, path, offset);
                        ulong size = ReadU64(ref r, path, offset);
                        byte[] smallest = ReadBytes(ref r, path, offset);
                        byte[] largest = ReadBytes(ref r, path, offset);
                        ulong smallestSeq = ReadU64(ref r, path, offset);
                        ulong largestSeq = ReadU64(ref r, path, offset);
                        ulong globalSeq = tag == VersionEditFormat.NewFileWithGlobalSequence ? ReadU64(ref r, path, offset) : 0;
                        if (smallest.Length < 8 || largest.Length < 8)
                        {
                            Fail(path, offset, "file boundary shorter than an internal key");
                        }
                        if (tag == VersionEditFormat.NewFileWithGlobalSequence && (globalSeq == 0 || smallestSeq != globalSeq || largestSeq != globalSeq))
                        {
                            Fail(path, offset, $"file #{number}: global sequence {globalSeq} does not match its sequence range [{smallestSeq}, {largestSeq}]");
                        }
                        edit.NewFiles.Add((level, new FileMetaData(number, (long)size, smallest, largest, smallestSeq, largestSeq, globalSeq)));
                        break;
                    }
                case VersionEditFormat.NewFileFlags:
                    {
                        ulong number = ReadU64(ref r, path, offset);
                        uint flags = ReadU32(ref r, path, offset);
                        int at = edit.NewFiles.FindIndex(x => x.File.Number == number);
                        if (at < 0 || (flags & ~VersionEditFormat.FileFlagRangeDeletions) != 0)
                        {
                            Fail(path, offset, $"flags {flags} for file #{number} not added by the edit");
                        }
                        (int level, FileMetaData f) = edit.NewFiles[at];
                        edit.NewFiles[at] = (level, new FileMetaData(f.Number, f.FileSize, f.Smallest, f.Largest, f.SmallestSequence, f.LargestSequence, f.GlobalSequence)
                        {
                            HasRangeDeletions = (flags & VersionEditFormat.FileFlagRangeDeletions) != 0,
                        });
                        break;
                    }
                case VersionEditFormat.OptionNames:
                    edit.OptionNames = ColumnFamilyOptionNames.Decode(ReadBytes(ref r, path, offset), path, offset);
                    break;
                default:
                    if (tag >= VersionEditFormat.SafeToIgnoreFirst)
                    {
                        if (!r.TryReadLengthPrefixed(out _))
                        {
                            Fail(path, offset, $"bad length of ignorable field {tag}");
                        }
                        break;
                    }
                    Fail(path, offset, $"unknown version edit field {tag} (written by a newer version?)");
                    break;
            }
        }
        return edit;
    }

    private static void Fail(string path, long offset, string reason) => ThrowHelper.ThrowCorruption(path, offset, "MANIFEST record: " + reason);

    private static uint ReadU32(ref SpanReader r, string path, long offset)
    {
        if (!r.TryReadVarint32(out uint v))
        {
            Fail(path, offset, "truncated varint32");
        }
        return v;
    }

    private static ulong ReadU64(ref SpanReader r, string path, long offset)
    {
        if (!r.TryReadVarint64(out ulong v))
        {
            Fail(path, offset, "truncated varint64");
        }
        return v;
    }

    private static byte[] ReadBytes(ref SpanReader r, string path, long offset)
    {
        if (!r.TryReadLengthPrefixed(out ReadOnlySpan<byte> v))
        {
            Fail(path, offset, "truncated byte string");
        }
        return v.ToArray();
    }

    private static string ReadString(ref SpanReader r, string path, long offset) => Encoding.UTF8.GetString(ReadBytes(ref r, path, offset));

    private static void PutVarint(ArrayBufferWriter<byte> w, ulong v)
    {
        int n = Coding.WriteVarint64(w.GetSpan(Coding.MaxVarint64Length), v);
        w.Advance(n);
    }

    private static void PutBytes(ArrayBufferWriter<byte> w, ReadOnlySpan<byte> v)
    {
        PutVarint(w, (uint)v.Length);
        w.Write(v);
    }
}
