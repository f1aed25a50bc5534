using Auralis.Audio;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Provider;
using Grpc.Core;
using Auralis.Server.Hosting;
using Auralis.Server.Protocol;
using Fingerprint = Auralis.Fingerprinting.Fingerprint;
using Auralis.Server.Security;

namespace Auralis.Server.Fingerprints;

/// <summary>
/// <c>auralis.v1.FingerprintService</c> (proto/auralis/v1/fingerprint.proto) on the library:
/// each method validates its request, maps domain failures to gRPC status codes (docs/server.md)
/// and never lets an exception's text or stack reach the client except the clear messages below.
/// </summary>
internal sealed class FingerprintGrpcService(ServerLibrary library) : FingerprintService.FingerprintServiceBase
{
    public override Task<HealthReply> Health(HealthRequest request, ServerCallContext context) => Task.FromResult(new HealthReply
    {
        Status = "ok",
        Version = Api.ServerInfo.Version,
        FingerprintVersion = Fingerprint.FingerprintVersion,
        Engine = library.Settings.Engine.Name,
        Tracks = library.Database.Use(db => new TrackRepository(db).Count()),
    });

    public override Task<FingerprintReply> GetTrackFingerprint(GetTrackFingerprintRequest request, ServerCallContext context) =>
        Task.FromResult(GetTrackFingerprint(library, request.TrackId));

    public override Task<FingerprintReply> FingerprintFile(FingerprintFileRequest request, ServerCallContext context) =>
        FingerprintFileAsync(library, request.Path, context.CancellationToken);

    public override Task<FingerprintReply> FingerprintAudio(FingerprintAudioRequest request, ServerCallContext context) =>
        FingerprintAudioAsync(library, request, context.CancellationToken);

    private static FingerprintReply GetTrackFingerprint(ServerLibrary library, long trackId)
    {
        if (trackId <= 0)
        {
            throw Refuse(StatusCode.InvalidArgument, "track_id must be a positive track id");
        }

        // One prepared statement on a pooled connection: the hot path of docs/targets.md.
        var found = library.Database.Use(db => new FingerprintRepository(db).Lookup(trackId))
            ?? throw Refuse(StatusCode.NotFound, $"no track {trackId} in the library");
        if (found.Stored is not { } stored || stored.Version != Fingerprint.FingerprintVersion)
        {
            throw Refuse(StatusCode.NotFound, $"track {trackId} has no current fingerprint yet (status {found.Status.ToString().ToLowerInvariant()})");
        }

        return Reply(stored.Fingerprint, "database", trackId, found.DurationSeconds, found.SampleRate, found.Channels);
    }

    private static async Task<FingerprintReply> FingerprintFileAsync(ServerLibrary library, string path, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(path) || !Path.IsPathFullyQualified(path))
        {
            throw Refuse(StatusCode.InvalidArgument, "path must be an absolute file path");
        }

        switch (library.Roots.Check(path, out var real))
        {
            case PathVerdict.Outside:
                throw Refuse(StatusCode.PermissionDenied, library.Roots.Roots.Count == 0
                    ? "this server has no library roots (start it with --root DIR), so it reads no files"
                    : $"'{path}' is outside the library roots");
            case PathVerdict.Missing:
                throw Refuse(StatusCode.NotFound, $"'{path}' does not exist");
        }

        if (!File.Exists(real))
        {
            throw Refuse(StatusCode.InvalidArgument, $"'{path}' is not a file");
        }

        try
        {
            var provided = await library.ProvideAsync(real, cancellationToken).ConfigureAwait(false);
            var audio = provided.Computed;
            var track = provided.Track;
            return Reply(provided.Fingerprint, provided.Source.Name(),
                provided.TrackId ?? 0, audio?.DurationSeconds ?? track?.DurationSeconds, audio?.Audio.SampleRate ?? track?.SampleRate, audio?.Audio.Channels ?? track?.Channels);
        }
        catch (FingerprintUnavailableException e)
        {
            throw Refuse(StatusCode.InvalidArgument, e.Message);
        }
    }

    private static async Task<FingerprintReply> FingerprintAudioAsync(ServerLibrary library, FingerprintAudioRequest request, CancellationToken cancellationToken)
    {
        if (request.Audio.IsEmpty)
        {
            throw Refuse(StatusCode.InvalidArgument, "audio is empty");
        }

        var name = string.IsNullOrWhiteSpace(request.FileName) ? "upload" : Path.GetFileName(request.FileName);
        var extension = Path.GetExtension(name).ToLowerInvariant();
        if (extension.Length is < 2 or > 6 || !extension.Skip(1).All(char.IsAsciiLetterOrDigit))
        {
            extension = ".bin";
        }

        var temp = Path.Combine(library.Settings.UploadDirectory ?? Path.GetTempPath(), $"auralis-upload-{Guid.NewGuid():N}{extension}");
        try
        {
            await File.WriteAllBytesAsync(temp, request.Audio.Memory, cancellationToken).ConfigureAwait(false);
            var computed = await library.ComputeAsync(temp, cancellationToken).ConfigureAwait(false);
            return Reply(computed.Fingerprint, "computed", 0, computed.DurationSeconds, computed.Audio.SampleRate, computed.Audio.Channels);
        }
        catch (Exception e) when (e is AudioDecodeException or FingerprintException)
        {
            // The temporary name means nothing to the client: speak of the file it sent.
            throw Refuse(StatusCode.InvalidArgument, $"cannot fingerprint the uploaded audio '{name}': {e.Message.Replace(temp, name, StringComparison.Ordinal)}");
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The call's status and message; the message goes to the client as is.</summary>
    private static RpcException Refuse(StatusCode status, string message) => new(new Status(status, message));

    private static FingerprintReply Reply(Fingerprint fingerprint, string source, long trackId, double? duration, int? sampleRate, int? channels)
    {
        var message = new Protocol.Fingerprint { FingerprintVersion = Fingerprint.FingerprintVersion };
        foreach (var value in fingerprint.Values)
        {
            message.Values.Add(value);
        }

        return new FingerprintReply
        {
            Fingerprint = message,
            Source = source,
            TrackId = trackId,
            DurationS = duration ?? 0,
            SampleRate = sampleRate ?? 0,
            Channels = channels ?? 0,
        };
    }
}
