using System.Diagnostics.CodeAnalysis;

namespace Auralis.Audio;

/// <summary>What a decoder knows about a file once it is open.</summary>
/// <param name="Path">The path as given to <see cref="AudioDecoder.Open"/>.</param>
/// <param name="SampleRate">Frames per second of the decoded PCM.</param>
/// <param name="Channels">Interleaved channels of the decoded PCM.</param>
/// <param name="FramesHint">
/// The length the decoder claims up front; an estimate for MP3 without a LAME header, null when
/// unknown. Count what <see cref="IAudioReader.Read"/> returns for the real length.
/// </param>
/// <param name="Format">"wav", "aiff", "flac", "ogg-vorbis", "opus", "mp3", ..., or ffmpeg's demuxer name.</param>
/// <param name="Decoder">"libsndfile", "naudio" or "ffmpeg".</param>
public sealed record AudioInfo(
    string Path,
    int SampleRate,
    int Channels,
    long? FramesHint,
    string Format,
    string Decoder,
    string? Title,
    string? Artist,
    string? Album);

/// <summary>Tags written by <see cref="AudioFileWriter"/>; null fields are left out.</summary>
public sealed record AudioTags(string? Title, string? Artist, string? Album);

/// <param name="AllowFfmpeg">Use the ffmpeg pipe (first for some formats, else for files libsndfile cannot decode).</param>
public sealed record AudioDecodeOptions(bool AllowFfmpeg = true)
{
    /// <summary>
    /// The decoders to try, in order (<see cref="AudioDecoder.LibSndFile"/>, <see cref="AudioDecoder.NAudio"/>, <see cref="AudioDecoder.Ffmpeg"/>);
    /// null picks the measured default order for the file's format (docs/decoding.md).
    /// </summary>
    public IReadOnlyList<string>? Decoders { get; init; }
}

/// <summary>Sample format of written files; <see cref="Default"/> picks the best one the container allows.</summary>
public enum AudioSampleFormat
{
    /// <summary>WAV: float32; FLAC and AIFF: 24-bit PCM; lossy formats: their codec.</summary>
    Default,
    Pcm16,
    Pcm24,
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Names the sample format, as in every audio API.")]
    Float32,
}
