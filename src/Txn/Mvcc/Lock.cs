using ManagedKv.Lsm.Util;

namespace ManagedKv.Txn;

/// <summary>
/// A Percolator lock: the lock CF value at <c>memcomparable(key)</c> while a transaction holds the key. Encoded as
/// FORMAT.md §3. A plain mutable record: actions copy-modify-write it within one latched command, so it is never
/// shared between threads.
/// </summary>
public sealed class Lock
{
    private static readonly byte[][] s_noSecondaries = [];
    private static readonly ulong[] s_noRollbacks = [];

    public Lock(LockType type, byte[] primary, ulong startTs, ulong ttl)
    {
        Type = type;
        Primary = primary;
        StartTs = startTs;
        Ttl = ttl;
    }

    /// <summary>Kind of lock (kvproto <c>LockInfo.lock_type</c>).</summary>
    public LockType Type { get; set; }

    /// <summary>The transaction's primary key, raw (kvproto <c>primary_lock</c>).</summary>
    public byte[] Primary { get; set; }

    /// <summary>The transaction's start_ts (kvproto <c>lock_version</c>).</summary>
    public ulong StartTs { get; set; }

    /// <summary>Time to live in milliseconds from the physical part of <see cref="StartTs"/>.</summary>
    public ulong Ttl { get; set; }

    /// <summary>Value of a put of at most 255 bytes, inlined; null when absent or stored in the default CF.</summary>
    public byte[]? ShortValue { get; set; }

    /// <summary>for_update_ts of a pessimistic transaction, 0 otherwise.</summary>
    public ulong ForUpdateTs { get; set; }

    /// <summary>Number of keys the transaction writes, a hint for lock resolution.</summary>
    public ulong TxnSize { get; set; }

    /// <summary>The transaction may not commit below this ts; pushed by readers, set by async commit.</summary>
    public ulong MinCommitTs { get; set; }

    /// <summary>The transaction uses async commit: the primary lists every secondary.</summary>
    public bool UseAsyncCommit { get; set; }

    /// <summary>Secondary keys (raw) of an async-commit primary lock.</summary>
    public byte[][] Secondaries { get; set; } = s_noSecondaries;

    /// <summary>
    /// start_ts values of other transactions rolled back on this key while this lock was held; a commit at one of
    /// them must keep the rollback (sets <see cref="Write.HasOverlappedRollback"/>).
    /// </summary>
    public ulong[] RollbackTs { get; set; } = s_noRollbacks;

    /// <summary>True for locks that do not block reads (Lock and Pessimistic).</summary>
    public bool IsReadTransparent => Type is LockType.Lock or LockType.Pessimistic;

    /// <summary>The kvproto <c>LockInfo</c> for a reader or writer that met this lock on <paramref name="key"/>.</summary>
    public LockInfo ToLockInfo(byte[] key) => new()
    {
        PrimaryLock = Primary,
        LockVersion = StartTs,
        Key = key,
        LockTtl = Ttl,
        TxnSize = TxnSize,
        LockType = Type switch
        {
            LockType.Put => MutationOp.Put,
            LockType.Delete => MutationOp.Del,
            LockType.Lock => MutationOp.Lock,
            _ => MutationOp.PessimisticLock,
        },
        LockForUpdateTs = ForUpdateTs,
        UseAsyncCommit = UseAsyncCommit,
        MinCommitTs = MinCommitTs,
        Secondaries = Secondaries,
    };

    /// <summary>Size of <see cref="Encode(Span{byte})"/>'s output.</summary>
    public int EncodedLength
    {
        get
        {
            int n = 1 + Coding.VarintLength((ulong)Primary.Length) + Primary.Length + Coding.VarintLength(StartTs) + Coding.VarintLength(Ttl);
            if (ShortValue is not null)
            {
                n += 2 + ShortValue.Length;
            }
            if (ForUpdateTs != 0)
            {
                n += 1 + Coding.VarintLength(ForUpdateTs);
            }
            if (TxnSize != 0)
            {
                n += 1 + Coding.VarintLength(TxnSize);
            }
            if (MinCommitTs != 0)
            {
                n += 1 + Coding.VarintLength(MinCommitTs);
            }
            if (UseAsyncCommit)
            {
                n += 1 + Coding.VarintLength((ulong)Secondaries.Length);
                foreach (byte[] s in Secondaries)
                {
                    n += Coding.VarintLength((ulong)s.Length) + s.Length;
                }
            }
            if (RollbackTs.Length > 0)
            {
                n += 1 + Coding.VarintLength((ulong)RollbackTs.Length);
                foreach (ulong ts in RollbackTs)
                {
                    n += Coding.VarintLength(ts);
                }
            }
            return n;
        }
    }

    /// <summary>The encoded record as a new array.</summary>
    public byte[] Encode()
    {
        var result = new byte[EncodedLength];
        Encode(result);
        return result;
    }

    /// <summary>
    /// Writes the record (FORMAT.md §3): <c>type | varint len | primary | varint start_ts | varint ttl | tagged fields</c>.
    /// Returns the bytes written.
    /// </summary>
    public int Encode(Span<byte> destination)
    {
        if (ShortValue is { Length: > MvccFormat.ShortValueMaxLength })
        {
            throw new InvalidOperationException($"short value of {ShortValue.Length} bytes exceeds {MvccFormat.ShortValueMaxLength}");
        }
        int n = 0;
        destination[n++] = (byte)Type;
        n += Coding.WriteVarint64(destination[n..], (ulong)Primary.Length);
        Primary.CopyTo(destination[n..]);
        n += Primary.Length;
        n += Coding.WriteVarint64(destination[n..], StartTs);
        n += Coding.WriteVarint64(destination[n..], Ttl);
        if (ShortValue is not null)
        {
            destination[n++] = MvccFormat.LockTagShortValue;
            destination[n++] = (byte)ShortValue.Length;
            ShortValue.CopyTo(destination[n..]);
            n += ShortValue.Length;
        }
        if (ForUpdateTs != 0)
        {
            destination[n++] = MvccFormat.LockTagForUpdateTs;
            n += Coding.WriteVarint64(destination[n..], ForUpdateTs);
        }
        if (TxnSize != 0)
        {
            destination[n++] = MvccFormat.LockTagTxnSize;
            n += Coding.WriteVarint64(destination[n..], TxnSize);
        }
        if (MinCommitTs != 0)
        {
            destination[n++] = MvccFormat.LockTagMinCommitTs;
            n += Coding.WriteVarint64(destination[n..], MinCommitTs);
        }
        if (UseAsyncCommit)
        {
            destination[n++] = MvccFormat.LockTagAsyncCommit;
            n += Coding.WriteVarint64(destination[n..], (ulong)Secondaries.Length);
            foreach (byte[] s in Secondaries)
            {
                n += Coding.WriteVarint64(destination[n..], (ulong)s.Length);
                s.CopyTo(destination[n..]);
                n += s.Length;
            }
        }
        if (RollbackTs.Length > 0)
        {
            destination[n++] = MvccFormat.LockTagRollbackTs;
            n += Coding.WriteVarint64(destination[n..], (ulong)RollbackTs.Length);
            foreach (ulong ts in RollbackTs)
            {
                n += Coding.WriteVarint64(destination[n..], ts);
            }
        }
        return n;
    }

    /// <summary>Decodes a lock CF value; <paramref name="key"/> only names the record in errors.</summary>
    public static Lock Decode(ReadOnlySpan<byte> value, ReadOnlySpan<byte> key)
    {
        var r = new RecordReader(value, MvccFormat.LockCf, key);
        byte type = r.ReadByte();
        if (type is not ((byte)LockType.Put or (byte)LockType.Delete or (byte)LockType.Lock or (byte)LockType.Pessimistic))
        {
            r.Fail($"unknown lock type 0x{type:X2}");
        }
        byte[] primary = r.ReadLengthPrefixed();
        ulong startTs = r.ReadVarint64();
        ulong ttl = r.ReadVarint64();
        var lockRecord = new Lock((LockType)type, primary, startTs, ttl);
        uint seen = 0;
        while (!r.AtEnd)
        {
            byte tag = r.ReadByte();
            uint bit = tag switch
            {
                MvccFormat.LockTagShortValue => 1,
                MvccFormat.LockTagForUpdateTs => 2,
                MvccFormat.LockTagTxnSize => 4,
                MvccFormat.LockTagMinCommitTs => 8,
                MvccFormat.LockTagAsyncCommit => 16,
                MvccFormat.LockTagRollbackTs => 32,
                _ => 0,
            };
            if (bit == 0)
            {
                r.Fail($"unknown lock field tag 0x{tag:X2} (newer format than version {MvccFormat.Version})");
            }
            if ((seen & bit) != 0)
            {
                r.Fail($"duplicate lock field tag 0x{tag:X2}");
            }
            seen |= bit;
            switch (tag)
            {
                case MvccFormat.LockTagShortValue:
                    lockRecord.ShortValue = r.ReadBytes(r.ReadByte());
                    break;
                case MvccFormat.LockTagForUpdateTs:
                    lockRecord.ForUpdateTs = r.ReadVarint64();
                    break;
                case MvccFormat.LockTagTxnSize:
                    lockRecord.TxnSize = r.ReadVarint64();
                    break;
                case MvccFormat.LockTagMinCommitTs:
                    lockRecord.MinCommitTs = r.ReadVarint64();
                    break;
                case MvccFormat.LockTagAsyncCommit:
                {
                    lockRecord.UseAsyncCommit = true;
                    int count = r.ReadCount();
                    var secondaries = new byte[count][];
                    for (int i = 0; i < count; i++)
                    {
                        secondaries[i] = r.ReadLengthPrefixed();
                    }
                    lockRecord.Secondaries = secondaries;
                    break;
                }
                default:
                {
                    int count = r.ReadCount();
                    var rollbacks = new ulong[count];
                    for (int i = 0; i < count; i++)
                    {
                        rollbacks[i] = r.ReadVarint64();
                    }
                    lockRecord.RollbackTs = rollbacks;
                    break;
                }
            }
        }
        return lockRecord;
    }

    /// <summary>A copy whose arrays may be replaced without touching this one.</summary>
    public Lock Clone() => (Lock)MemberwiseClone();

    public override string ToString() =>
        $"Lock({(char)Type}, primary={Convert.ToHexString(Primary)}, start_ts={StartTs}, ttl={Ttl}, for_update_ts={ForUpdateTs}, min_commit_ts={MinCommitTs}, async={UseAsyncCommit})";
}
