namespace Auralis.Fingerprinting;

/// <summary>
/// An implementation of the 25D analysis: the native (Rust) core or its managed twin. Both
/// implement the same definitions (docs/fingerprint.md) and agree within the parity tolerances.
/// </summary>
public interface IFingerprintEngine
{
    /// <summary>"native" or "managed".</summary>
    string Name { get; }

    /// <summary>Starts a streaming analysis of interleaved float PCM.</summary>
    /// <exception cref="FingerprintException">Sample rate outside 8-384 kHz or channels outside 1-8.</exception>
    IFingerprintAnalyzer CreateAnalyzer(int sampleRate, int channels);

    /// <summary>
    /// Starts an analysis under the definitions of <paramref name="version"/>:
    /// <see cref="Fingerprint.FingerprintVersion"/> (what <see cref="CreateAnalyzer(int, int)"/>
    /// computes) or <see cref="Fingerprint.DraftVersion"/> (in development: tests and benchmarks).
    /// An engine that does not implement the draft computes only the stored version.
    /// </summary>
    /// <exception cref="FingerprintException">A version the engine does not compute, or a bad format.</exception>
    IFingerprintAnalyzer CreateAnalyzer(int sampleRate, int channels, int version) =>
        version == Fingerprint.FingerprintVersion
            ? CreateAnalyzer(sampleRate, channels)
            : throw new FingerprintException(FingerprintErrorKind.InvalidArgument, $"invalid argument: the {Name} engine computes fingerprint version {Fingerprint.FingerprintVersion} only, not {version}");
}

/// <summary>One streaming analysis: push blocks of interleaved samples, then finish.</summary>
public interface IFingerprintAnalyzer : IDisposable
{
    int SampleRate { get; }

    int Channels { get; }

    /// <summary>Frames pushed so far.</summary>
    long Frames { get; }

    /// <summary>Pushes a block of interleaved samples (a whole number of frames, any size).</summary>
    /// <exception cref="FingerprintException">NaN/infinite samples, a ragged block, or after Finish.</exception>
    void Push(ReadOnlySpan<float> interleaved);

    /// <summary>Completes the analysis; no more samples are accepted afterwards.</summary>
    /// <exception cref="FingerprintException">Audio shorter than 0.5 s, or finished twice.</exception>
    Fingerprint Finish();
}

public enum FingerprintErrorKind
{
    InvalidArgument,
    InvalidSamples,
    TooShort,
    InvalidState,
    Internal,
}

/// <summary>An analysis failure, with the kind and a message that says what to do.</summary>
public sealed class FingerprintException : Exception
{
    public FingerprintException(FingerprintErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public FingerprintException(FingerprintErrorKind kind, string message, Exception inner)
        : base(message, inner)
    {
        Kind = kind;
    }

    public FingerprintException()
        : this(FingerprintErrorKind.Internal, "fingerprint analysis failed")
    {
    }

    public FingerprintException(string message)
        : this(FingerprintErrorKind.Internal, message)
    {
    }

    public FingerprintException(string message, Exception inner)
        : this(FingerprintErrorKind.Internal, message, inner)
    {
    }

    public FingerprintErrorKind Kind { get; }
}

public static class FingerprintEngineExtensions
{
    /// <summary>One-shot analysis of a whole in-memory buffer.</summary>
    public static Fingerprint Analyze(this IFingerprintEngine engine, ReadOnlySpan<float> interleaved, int sampleRate, int channels) =>
        engine.Analyze(interleaved, sampleRate, channels, Fingerprint.FingerprintVersion);

    /// <summary>One-shot analysis under the definitions of <paramref name="version"/>.</summary>
    public static Fingerprint Analyze(this IFingerprintEngine engine, ReadOnlySpan<float> interleaved, int sampleRate, int channels, int version)
    {
        ArgumentNullException.ThrowIfNull(engine);
        using var analyzer = engine.CreateAnalyzer(sampleRate, channels, version);
        analyzer.Push(interleaved);
        return analyzer.Finish();
    }
}
