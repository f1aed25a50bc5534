using System.Buffers;
using Auralis.Audio;

namespace Auralis.Fingerprinting;

/// <summary>The fingerprint of one audio file, with what was decoded.</summary>
public sealed record FileFingerprint(string Path, string Engine, AudioInfo Audio, long Frames, Fingerprint Fingerprint)
{
    /// <summary>The definitions the fingerprint follows (<see cref="Fingerprint.FingerprintVersion"/> unless a draft was asked for).</summary>
    public int Version { get; init; } = Fingerprint.FingerprintVersion;

    public double DurationSeconds => (double)Frames / Audio.SampleRate;
}

/// <summary>
/// Something else that wants the decoded audio while the fingerprint is taken (the scan measures
/// loudness statistics this way, so that a file is decoded once).
/// </summary>
public interface IPcmTap
{
    /// <summary>The next interleaved block, in order.</summary>
    void Push(ReadOnlySpan<float> interleaved);
}

/// <summary>Decodes a file block by block and streams it through an engine.</summary>
public static class FileFingerprinter
{
    /// <summary>Frames per decoded block: 64 Ki frames keeps memory small and calls few.</summary>
    public const int BlockFrames = 65_536;

    /// <exception cref="AudioDecodeException">The file cannot be decoded (names the file and cause).</exception>
    /// <exception cref="FingerprintException">
    /// The audio cannot be analysed (too short, NaN samples...), or the analysis produced a value
    /// outside its dimension's range; the message names the file (and the dimension and value).
    /// </exception>
    public static FileFingerprint Compute(string path, IFingerprintEngine engine, CancellationToken cancellationToken = default) =>
        Compute(path, engine, tap: null, cancellationToken);

    /// <summary>
    /// As <see cref="Compute(string, IFingerprintEngine, CancellationToken)"/>, and every decoded
    /// block also goes to a tap made by <paramref name="tap"/> for the stream's format. When a
    /// decoder fails mid-stream and the next one starts over, a new tap is made: the last tap made
    /// is the one that saw the audio the fingerprint came from.
    /// </summary>
    public static FileFingerprint Compute(string path, IFingerprintEngine engine, Func<AudioInfo, IPcmTap>? tap, CancellationToken cancellationToken = default) =>
        Compute(path, engine, Fingerprint.FingerprintVersion, tap, cancellationToken);

    /// <summary>
    /// As <see cref="Compute(string, IFingerprintEngine, Func{AudioInfo, IPcmTap}?, CancellationToken)"/>
    /// under the definitions of <paramref name="version"/> (the draft is for tests and benchmarks:
    /// nothing stores it).
    /// </summary>
    public static FileFingerprint Compute(string path, IFingerprintEngine engine, int version, Func<AudioInfo, IPcmTap>? tap = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(engine);
        // Decode, not Open: if a decoder fails mid-stream, the analysis starts over with the next
        // one, so the fingerprint always comes from a single decoder (named in Audio.Decoder).
        return AudioDecoder.Decode(path, reader => Compute(path, reader, engine, version, tap?.Invoke(reader.Info), cancellationToken));
    }

    private static FileFingerprint Compute(string path, IAudioReader reader, IFingerprintEngine engine, int version, IPcmTap? tap, CancellationToken cancellationToken)
    {
        var info = reader.Info;
        IFingerprintAnalyzer analyzer;
        try
        {
            analyzer = engine.CreateAnalyzer(info.SampleRate, info.Channels, version);
        }
        catch (FingerprintException e)
        {
            throw new FingerprintException(e.Kind, $"{path}: {e.Message}", e);
        }

        var buffer = ArrayPool<float>.Shared.Rent(BlockFrames * info.Channels);
        try
        {
            using (analyzer)
            {
                long frames = 0;
                int read;
                while ((read = reader.Read(buffer.AsSpan(0, BlockFrames * info.Channels))) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    analyzer.Push(buffer.AsSpan(0, read * info.Channels));
                    tap?.Push(buffer.AsSpan(0, read * info.Channels));
                    frames += read;
                }

                if (frames == 0)
                {
                    // The standard shape, so that its cause joins other decoders' causes without the path twice.
                    throw AudioDecodeException.For(path, AudioErrorKind.Corrupt, "no audio frames could be decoded (empty or damaged stream)");
                }

                var fingerprint = analyzer.Finish();
                if (fingerprint.OutOfRange is { } problem)
                {
                    // No audio has such a fingerprint: storing it would poison every comparison.
                    throw new FingerprintException(FingerprintErrorKind.Internal, $"{path}: the analysis produced {problem}; the result is not used");
                }

                return new FileFingerprint(path, engine.Name, info, frames, fingerprint) { Version = version };
            }
        }
        catch (FingerprintException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new FingerprintException(e.Kind, $"{path}: {e.Message}", e);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }
}
