namespace Auralis.Server.Grpc;

/// <summary>
/// A gRPC call that ended with a status other than OK. Thrown by handlers (and
/// <see cref="GrpcServiceRegistry.BeforeCall"/>) to answer with that status and message, and by
/// <see cref="GrpcClient"/> when a call fails. The message travels to the client as-is, so it must
/// say what went wrong in the caller's terms and hold nothing the caller may not see.
/// </summary>
public sealed class GrpcException : Exception
{
    public GrpcException(GrpcStatusCode status, string message)
        : base(message)
    {
        Status = status;
    }

    public GrpcException(GrpcStatusCode status, string message, Exception? innerException)
        : base(message, innerException)
    {
        Status = status;
    }

    public GrpcException()
        : this(GrpcStatusCode.Unknown, "unknown gRPC error")
    {
    }

    public GrpcException(string message)
        : this(GrpcStatusCode.Unknown, message)
    {
    }

    public GrpcException(string message, Exception? innerException)
        : this(GrpcStatusCode.Unknown, message, innerException)
    {
    }

    public GrpcStatusCode Status { get; }

    /// <summary>
    /// For errors seen by <see cref="GrpcClient"/>: the call, as "service/method at address". The
    /// message of a status the server sent is the server's text exactly; this says where it came from.
    /// </summary>
    public string? Target { get; init; }

    /// <summary>The status as gRPC spells it (NOT_FOUND, DEADLINE_EXCEEDED, ...), for messages and logs.</summary>
    public string StatusName => GrpcProtocol.StatusName(Status);

    public override string ToString() => $"{nameof(GrpcException)}: {StatusName}: {Message}" + (Target is null ? "" : $" [{Target}]") +
        (InnerException is null ? "" : Environment.NewLine + " ---> " + InnerException);
}
