using System.Net;

namespace ManagedKv.Hosting;

/// <summary>
/// Parses a "host:port" listen address for Kestrel (port 0 = ephemeral). One source file, compiled into PD and linked
/// into the Node (STYLE.md: a primitive exists once; neither assembly references the other).
/// </summary>
internal static class ListenAddress
{
    /// <summary>The address and port to listen on; a host name is resolved (localhost is the loopback address).</summary>
    /// <exception cref="ArgumentException">Not host:port, a port outside 0-65535, or a host that does not resolve.</exception>
    public static (IPAddress Ip, int Port) Parse(string address)
    {
        int colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), out int port) || port is < 0 or > 65535)
        {
            throw new ArgumentException($"ListenAddress must be host:port, got '{address}'", nameof(address));
        }

        string host = address[..colon].Trim('[', ']');
        if (host is "localhost")
        {
            return (IPAddress.Loopback, port);
        }

        if (IPAddress.TryParse(host, out IPAddress? ip))
        {
            return (ip, port);
        }

        IPAddress[] resolved = Dns.GetHostAddresses(host);
        return resolved.Length > 0 ? (resolved[0], port) : throw new ArgumentException($"ListenAddress host '{host}' does not resolve", nameof(address));
    }
}
