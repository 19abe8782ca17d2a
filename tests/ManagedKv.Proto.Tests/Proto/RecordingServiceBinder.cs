// A ServiceBinderBase that records what a generated BindService registers: the method's full
// path, its streaming shape and its request/response message names, exactly as a gRPC server
// (Grpc.AspNetCore included) would see them.
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace ManagedKv.Proto.Tests.Proto;

internal sealed class RecordingServiceBinder : ServiceBinderBase
{
    /// <summary>Registered methods: path → (shape, request full name, response full name).</summary>
    public Dictionary<string, (MethodType Type, string Request, string Response)> Methods { get; } = [];

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        => Record(method);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        => Record(method);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        => Record(method);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        => Record(method);

    private void Record<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
        => Methods.Add(method.FullName, (method.Type, MessageName(typeof(TRequest)), MessageName(typeof(TResponse))));

    private static string MessageName(Type type)
    {
        var property = type.GetProperty("Descriptor", typeof(MessageDescriptor));
        Assert.NotNull(property);
        Assert.True(typeof(IMessage).IsAssignableFrom(type), $"{type} is not a protobuf message");
        return ((MessageDescriptor)property.GetValue(null)!).FullName;
    }
}
