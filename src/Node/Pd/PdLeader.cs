using Grpc.Net.Client;
using Pdpb;

namespace ManagedKv.Node.Pd;

/// <summary>
/// The PD member a <see cref="PdClient"/> currently sends to: its client URL, the gRPC channel to it and the generated
/// client. Immutable; a leader switch publishes a new instance, so a failed call can tell whether someone already
/// switched (reference comparison) before starting another discovery.
/// </summary>
internal sealed class PdLeader
{
    public PdLeader(string url, GrpcChannel channel)
    {
        Url = url;
        Channel = channel;
        Client = new PD.PDClient(channel);
    }

    public string Url { get; }

    public GrpcChannel Channel { get; }

    public PD.PDClient Client { get; }
}
