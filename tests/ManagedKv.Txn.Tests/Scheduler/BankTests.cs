using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace ManagedKv.Txn.Tests.Scheduler;

/// <summary>
/// Bank test over the scheduler: concurrent transfers (optimistic 2PC, async commit, 1PC; coordinators that crash
/// between prewrite and commit or between primary and secondary commit) and full-table snapshot reads that resolve
/// the locks they meet. Checks: every snapshot sums to the initial total; every snapshot equals the replay of the
/// transfers committed at or below its ts (snapshot isolation, no lost updates); the final state equals the replay.
/// </summary>
public sealed class BankTests
{
    private const int Accounts = 10;
    private const long Initial = 1000;

    private sealed record Transfer(int From, int To, long Amount, ulong StartTs, byte[] Primary);

    private static byte[] Key(int i) => TxnTestContext.B($"acct{i:D3}");

    private static byte[] Value(long v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, v);
        return b;
    }

    private static long Balance(byte[]? v) => v is null ? 0 : BinaryPrimitives.ReadInt64BigEndian(v);

    [Fact]
    public void ConcurrentTransfersPreserveTotalAndSnapshotIsolation()
    {
        bool soak = Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1";
        int seed = Environment.TickCount;
        int transfersPerThread = soak ? 2000 : 150;
        using var t = new TxnTestContext();
        var tso = new TestTso();
        var client = new TestClient(t.Storage, tso);
        var setup = new List<Mutation>();
        for (int i = 0; i < Accounts; i++)
        {
            setup.Add(Mutation.Put(Key(i), Value(Initial)));
        }
        ulong s0 = tso.Next();
        Assert.Empty(t.Storage.Prewrite(new PrewriteRequest { Mutations = setup.ToArray(), PrimaryLock = Key(0), StartVersion = s0, LockTtl = 1000 }).Errors);
        var allKeys = new byte[Accounts][];
        for (int i = 0; i < Accounts; i++)
        {
            allKeys[i] = Key(i);
        }
        Assert.Null(t.Storage.Commit(new CommitRequest { StartVersion = s0, CommitVersion = tso.Next(), Keys = allKeys }).Error);

        var attempted = new ConcurrentBag<Transfer>();
        var snapshots = new ConcurrentBag<(ulong Ts, long[] Balances)>();
        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<string>();
        Task[] writers = new Task[3];
        for (int w = 0; w < writers.Length; w++)
        {
            int id = w;
            writers[w] = Task.Run(() =>
            {
                var rnd = new Random(seed + id);
                for (int n = 0; n < transfersPerThread; n++)
                {
                    try
                    {
                        RunTransfer(client, rnd, attempted);
                    }
                    catch (Exception e)
                    {
                        failures.Enqueue(e.ToString());
                        return;
                    }
                }
            });
        }
        Task reader = Task.Run(() =>
        {
            // Keep reading until the writers are done and at least a few snapshots were checked: on a loaded
            // machine the reader may get little CPU while the writers run.
            while (!stop.IsCancellationRequested || snapshots.Count < 6)
            {
                ulong ts = tso.Next();
                List<KvPair> pairs = client.ScanAll(ts);
                var balances = new long[Accounts];
                long sum = 0;
                foreach (KvPair p in pairs)
                {
                    int i = int.Parse(System.Text.Encoding.UTF8.GetString(p.Key).AsSpan(4));
                    balances[i] = Balance(p.Value);
                    sum += balances[i];
                }
                if (sum != Accounts * Initial)
                {
                    failures.Enqueue($"seed {seed}: snapshot at {ts} sums to {sum}");
                }
                snapshots.Add((ts, balances));
            }
        });
        Task.WaitAll(writers);
        stop.Cancel();
        reader.Wait();
        Assert.True(failures.IsEmpty, string.Join("\n", failures));

        // Decide every transfer by its primary (resolving what crashed coordinators left), then replay.
        var committed = new List<(ulong CommitTs, Transfer T)>();
        foreach (Transfer tr in attempted)
        {
            CheckTxnStatusResponse st;
            while (true)
            {
                st = t.Storage.CheckTxnStatus(new CheckTxnStatusRequest
                {
                    PrimaryKey = tr.Primary, LockTs = tr.StartTs, CallerStartTs = 0, CurrentTs = tso.Next(), RollbackIfNotExist = true,
                });
                if (st.Status != TxnStatusKind.Uncommitted)
                {
                    break;
                }
                client.ResolveLock(st.LockInfo!, tso.Next());
                Thread.Sleep(5);
            }
            if (st.Status == TxnStatusKind.Committed)
            {
                committed.Add((st.CommitVersion, tr));
            }
        }
        committed.Sort((a, b) => a.CommitTs.CompareTo(b.CommitTs));
        ulong finalTs = tso.Next();
        List<KvPair> final = client.ScanAll(finalTs);
        snapshots.Add((finalTs, Balances(final)));
        Assert.True(committed.Count > attempted.Count / 4, $"seed {seed}: only {committed.Count} of {attempted.Count} transfers committed");
        Assert.True(snapshots.Count > 5, $"seed {seed}: only {snapshots.Count} snapshots");
        foreach ((ulong ts, long[] balances) in snapshots)
        {
            long[] model = Replay(committed, ts);
            Assert.True(model.AsSpan().SequenceEqual(balances),
                $"seed {seed}: snapshot at {ts} is [{string.Join(",", balances)}], replay of commits <= ts is [{string.Join(",", model)}]");
        }
        Assert.Empty(t.Storage.ScanLock(new ScanLockRequest { MaxVersion = TimeStamp.Max }).Locks);
    }

    private static long[] Balances(List<KvPair> pairs)
    {
        var b = new long[Accounts];
        foreach (KvPair p in pairs)
        {
            b[int.Parse(System.Text.Encoding.UTF8.GetString(p.Key).AsSpan(4))] = Balance(p.Value);
        }
        return b;
    }

    private static long[] Replay(List<(ulong CommitTs, Transfer T)> committed, ulong ts)
    {
        var b = new long[Accounts];
        Array.Fill(b, Initial);
        foreach ((ulong commitTs, Transfer tr) in committed)
        {
            if (commitTs > ts)
            {
                break;
            }
            b[tr.From] -= tr.Amount;
            b[tr.To] += tr.Amount;
        }
        return b;
    }

    private static void RunTransfer(TestClient client, Random rnd, ConcurrentBag<Transfer> attempted)
    {
        TxnStorage s = client.Storage;
        int from = rnd.Next(Accounts);
        int to = (from + 1 + rnd.Next(Accounts - 1)) % Accounts;
        ulong startTs = client.Tso.Next();
        long fromBalance = Balance(client.Get(Key(from), startTs));
        long toBalance = Balance(client.Get(Key(to), startTs));
        long amount = fromBalance == 0 ? 0 : rnd.Next(1, (int)Math.Min(fromBalance, 50) + 1);
        int mode = rnd.Next(3); // 0 = 2PC, 1 = async commit, 2 = 1PC
        byte[] primary = Key(from);
        var request = new PrewriteRequest
        {
            Mutations = [Mutation.Put(Key(from), Value(fromBalance - amount)), Mutation.Put(Key(to), Value(toBalance + amount))],
            PrimaryLock = primary,
            StartVersion = startTs,
            LockTtl = 30,
            UseAsyncCommit = mode == 1,
            Secondaries = mode == 1 ? [Key(to)] : [],
            TryOnePc = mode == 2,
        };
        attempted.Add(new Transfer(from, to, amount, startTs, primary));
        PrewriteResponse p = s.Prewrite(request);
        if (p.ServerIsBusy is not null)
        {
            return;
        }
        if (p.Errors.Count > 0)
        {
            foreach (KeyError e in p.Errors)
            {
                if (e is KeyIsLocked locked)
                {
                    client.ResolveLock(locked.Locked, startTs);
                }
            }
            // Nothing was written; roll back so a late duplicate cannot succeed.
            s.BatchRollback(new BatchRollbackRequest { StartVersion = startTs, Keys = [Key(from), Key(to)] });
            return;
        }
        if (p.OnePcCommitTs != 0)
        {
            return;
        }
        int crash = rnd.Next(20);
        if (crash == 0)
        {
            return; // coordinator dies after prewrite: readers resolve the locks
        }
        ulong commitTs = p.MinCommitTs != 0 ? p.MinCommitTs : client.Tso.Next();
        CommitResponse c = s.Commit(new CommitRequest { StartVersion = startTs, CommitVersion = commitTs, Keys = [primary] });
        if (c.Error is not null)
        {
            if (c.Error is CommitTsExpired)
            {
                commitTs = client.Tso.Next();
                c = s.Commit(new CommitRequest { StartVersion = startTs, CommitVersion = commitTs, Keys = [primary] });
            }
            if (c.Error is not null)
            {
                return; // rolled back by a reader (TTL expired)
            }
        }
        if (crash == 1)
        {
            return; // dies between primary and secondary commit
        }
        CommitResponse c2 = s.Commit(new CommitRequest { StartVersion = startTs, CommitVersion = commitTs, Keys = [Key(to)] });
        if (c2.Error is not null)
        {
            throw new InvalidOperationException($"secondary commit failed: {c2.Error}");
        }
    }
}
