using System.Net.Http;
using Grpc.Core;
using Grpc.Net.Client;
using Pdpb;

namespace ManagedKv.Node.Pd;

/// <summary>
/// The store's client of the Placement Driver, over the kvproto <c>pdpb.PD</c> gRPC protocol, so it talks to our PD
/// (src/Pd) and to a real PD alike. Connecting runs <c>GetMembers</c> over the given endpoints to learn the cluster id
/// and the leader's client URLs; every later request goes to the leader and carries the cluster id in its header.
/// When a request fails with UNAVAILABLE (PD down, "not leader") or a transport error, the client re-runs GetMembers
/// over the endpoints and the members it learned, with backoff, and switches to the leader found.
/// <para>
/// Timestamps (<see cref="GetTimestampAsync"/>) are batched over one long-lived Tso stream; region heartbeats
/// (<see cref="ReportRegionHeartbeat"/>) go over one long-lived RegionHeartbeat stream. Both streams reopen on failure.
/// </para>
/// Thread-safe: every method may be called from any thread.
/// </summary>
public sealed partial class PdClient : IAsyncDisposable
{
    private readonly string[] _endpoints;
    private readonly PdClientOptions _options;
    private readonly CancellationTokenSource _disposeCts = new();

    // Serializes leader discovery; guards _memberUrls and _retiredChannels. Taken before no other lock.
    private readonly SemaphoreSlim _discoveryLock = new(1, 1);
    private readonly List<string> _memberUrls = [];
    private readonly List<GrpcChannel> _retiredChannels = [];

    // Invariant: once connected, _leader is never null and _clusterId never changes.
    private PdLeader _leader = null!;
    private ulong _clusterId;
    private RequestHeader _header = new();
    private long _leaderSwitches;
    private int _disposed;

    private PdClient(string[] endpoints, PdClientOptions options)
    {
        _endpoints = endpoints;
        _options = options;
        _tsoQueue = System.Threading.Channels.Channel.CreateUnbounded<TsoWaiter>(
            new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true });
        _heartbeatQueue = System.Threading.Channels.Channel.CreateBounded<RegionHeartbeatRequest>(
            new System.Threading.Channels.BoundedChannelOptions(HeartbeatQueueCapacity)
            {
                SingleReader = true,
                FullMode = System.Threading.Channels.BoundedChannelFullMode.DropOldest,
            });
    }

    /// <summary>The PD cluster's id, learned from the first GetMembers.</summary>
    public ulong ClusterId => _clusterId;

    /// <summary>The client URL of the PD member requests go to now.</summary>
    public string LeaderUrl => Volatile.Read(ref _leader).Url;

    /// <summary>How many times the client switched to another PD member (or re-found one) after a failure.</summary>
    public long LeaderSwitches => Interlocked.Read(ref _leaderSwitches);

    /// <summary>
    /// Connects to the PD cluster reachable at <paramref name="endpoints"/> (<c>host:port</c> or <c>http://host:port</c>):
    /// finds the leader with GetMembers, retrying with backoff for up to <see cref="PdClientOptions.RetryTimeout"/>.
    /// </summary>
    /// <exception cref="PdException">No endpoint answered with a leader in time (retryable).</exception>
    public static async Task<PdClient> ConnectAsync(IEnumerable<string> endpoints, PdClientOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var urls = new List<string>();
        foreach (string endpoint in endpoints)
        {
            string url = NormalizeUrl(endpoint);
            if (!urls.Contains(url))
            {
                urls.Add(url);
            }
        }

        if (urls.Count == 0)
        {
            throw new ArgumentException("At least one PD endpoint is required", nameof(endpoints));
        }

        options ??= new PdClientOptions();
        if (options.MaxTsoBatch is < 1 or >= 1 << 18)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxTsoBatch, "MaxTsoBatch must be in [1, 2^18)");
        }

        var client = new PdClient([.. urls], options);
        try
        {
            DateTime deadline = DateTime.UtcNow + options.RetryTimeout;
            TimeSpan backoff = options.InitialBackoff;
            while (true)
            {
                if (await client.RefreshLeaderAsync(null, cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                if (DateTime.UtcNow + backoff > deadline)
                {
                    throw new PdException(StatusCode.Unavailable,
                        $"no PD leader found at {string.Join(", ", urls)} within {options.RetryTimeout}", retryable: true, null);
                }

                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = client.NextBackoff(backoff);
            }

            client.StartBackgroundLoops();
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sets the sender id carried in every later request header (TiKV sends its store id once known).</summary>
    public void SetSenderId(ulong senderId) =>
        Volatile.Write(ref _header, new RequestHeader { ClusterId = _clusterId, SenderId = senderId });

    /// <summary>Stops the streams, fails pending timestamp callers with <see cref="ObjectDisposedException"/>, closes the channels.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _disposeCts.Cancel();
        _tsoQueue.Writer.TryComplete();
        _heartbeatQueue.Writer.TryComplete();
        foreach (Task loop in new[] { _tsoLoop, _heartbeatLoop })
        {
            if (loop is not null)
            {
                try
                {
                    await loop.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Expected: the loops end by cancellation.
                }
            }
        }

        FailQueuedWaiters(new ObjectDisposedException(nameof(PdClient)));
        await _discoveryLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _leader?.Channel.Dispose();
            foreach (GrpcChannel channel in _retiredChannels)
            {
                channel.Dispose();
            }

            _retiredChannels.Clear();
        }
        finally
        {
            _discoveryLock.Release();
        }

        _disposeCts.Dispose();
    }

    private RequestHeader Header => Volatile.Read(ref _header);

    private static string NormalizeUrl(string endpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        string url = endpoint.Trim();
        if (!url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            url = "http://" + url;
        }

        return url.TrimEnd('/');
    }

    private GrpcChannel CreateChannel(string url) =>
        GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = _options.RequestTimeout < TimeSpan.FromSeconds(3) ? _options.RequestTimeout : TimeSpan.FromSeconds(3),
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(3),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            },
            DisposeHttpClient = true,
        });

    private TimeSpan NextBackoff(TimeSpan backoff)
    {
        TimeSpan next = backoff * 2;
        return next > _options.MaxBackoff ? _options.MaxBackoff : next;
    }

    /// <summary>
    /// One pass of leader discovery: unless another caller already replaced <paramref name="failed"/>, asks each known
    /// URL (learned members first, then the configured endpoints) for the members and switches to the leader named.
    /// Returns whether a leader is known afterwards (false: nobody answered with a leader; the caller backs off).
    /// </summary>
    private async Task<bool> RefreshLeaderAsync(PdLeader? failed, CancellationToken cancellationToken)
    {
        await _discoveryLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            PdLeader? current = Volatile.Read(ref _leader);
            if (current is not null && !ReferenceEquals(current, failed))
            {
                return true;
            }

            var candidates = new List<string>(_memberUrls);
            foreach (string url in _endpoints)
            {
                if (!candidates.Contains(url))
                {
                    candidates.Add(url);
                }
            }

            foreach (string url in candidates)
            {
                cancellationToken.ThrowIfCancellationRequested();
                bool reuse = current is not null && current.Url == url;
                GrpcChannel channel = reuse ? current!.Channel : CreateChannel(url);
                GetMembersResponse? members = await TryGetMembersAsync(channel, cancellationToken).ConfigureAwait(false);
                string? leaderUrl = members?.Leader?.ClientUrls.Count > 0 ? NormalizeUrl(members.Leader.ClientUrls[0]) : null;
                if (members is null || leaderUrl is null || (_clusterId != 0 && members.Header.ClusterId != _clusterId))
                {
                    // No answer, no leader, or another cluster's member (never switch clusters).
                    if (!reuse)
                    {
                        channel.Dispose();
                    }

                    continue;
                }

                _memberUrls.Clear();
                foreach (Member member in members.Members)
                {
                    foreach (string memberUrl in member.ClientUrls)
                    {
                        _memberUrls.Add(NormalizeUrl(memberUrl));
                    }
                }

                if (_clusterId == 0)
                {
                    _clusterId = members.Header.ClusterId;
                    Volatile.Write(ref _header, new RequestHeader { ClusterId = _clusterId, SenderId = _options.SenderId });
                }

                PdLeader next;
                if (current is not null && current.Url == leaderUrl)
                {
                    next = new PdLeader(leaderUrl, current.Channel);
                }
                else
                {
                    next = new PdLeader(leaderUrl, leaderUrl == url ? channel : CreateChannel(leaderUrl));
                    if (current is not null)
                    {
                        // Calls may still be using it; closed at dispose (leader switches are rare).
                        _retiredChannels.Add(current.Channel);
                    }
                }

                if (!reuse && leaderUrl != url)
                {
                    channel.Dispose();
                }

                if (current is not null)
                {
                    Interlocked.Increment(ref _leaderSwitches);
                }

                Volatile.Write(ref _leader, next);
                return true;
            }

            return false;
        }
        finally
        {
            _discoveryLock.Release();
        }
    }

    private async Task<GetMembersResponse?> TryGetMembersAsync(GrpcChannel channel, CancellationToken cancellationToken)
    {
        try
        {
            var client = new PD.PDClient(channel);
            TimeSpan timeout = _options.RequestTimeout < TimeSpan.FromSeconds(3) ? _options.RequestTimeout : TimeSpan.FromSeconds(3);
            GetMembersResponse response = await client.GetMembersAsync(new GetMembersRequest { Header = new RequestHeader() },
                deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            return response.Header?.Error is { Type: not ErrorType.Ok } ? null : response;
        }
        catch (RpcException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Whether a failed exchange may succeed on retry (after leader discovery).</summary>
    private bool IsRetryable(RpcException e) => e.StatusCode switch
    {
        StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.ResourceExhausted => true,
        StatusCode.Cancelled => !_disposeCts.IsCancellationRequested,
        StatusCode.Unknown => e.Status.DebugException is HttpRequestException or IOException,
        _ => false,
    };

    private PdException Wrap(RpcException e) => new(e.StatusCode, e.Status.Detail, IsRetryable(e), e);
}
