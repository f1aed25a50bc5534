using Auralis.Fingerprinting;

namespace Auralis.Native;

/// <summary>The Rust core behind the C ABI. Use <see cref="TryLoad"/>: loading can fail.</summary>
public sealed class NativeFingerprintEngine : IFingerprintEngine
{
    private static readonly Lazy<(NativeFingerprintEngine? Engine, string? Error)> Loaded = new(Load);

    private NativeFingerprintEngine()
    {
    }

    public string Name => "native";

    /// <summary>Why the native library is unavailable, or null when it loaded.</summary>
    public static string? LoadError => Loaded.Value.Error;

    /// <summary>Loads the library once and checks its ABI version.</summary>
    public static bool TryLoad(out NativeFingerprintEngine? engine, out string? error)
    {
        (engine, error) = Loaded.Value;
        return engine is not null;
    }

    public IFingerprintAnalyzer CreateAnalyzer(int sampleRate, int channels) => new NativeFingerprintAnalyzer(sampleRate, channels, Fingerprint.FingerprintVersion);

    /// <inheritdoc/>
    public IFingerprintAnalyzer CreateAnalyzer(int sampleRate, int channels, int version) => new NativeFingerprintAnalyzer(sampleRate, channels, version);

    private static (NativeFingerprintEngine?, string?) Load()
    {
        uint abi;
        try
        {
            abi = NativeMethods.au_abi_version();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            // The runtime's message starts with a generic line and then lists each probed path
            // with the loader's reason; keep one line: the loader's reason when there is one.
            var lines = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var reason = lines.Length > 1 && lines[0].StartsWith("Unable to load shared library", StringComparison.Ordinal) ? lines[1] : lines[0];
            var tried = string.Join(", ", NativeLibraryResolver.Candidates());
            return (null, $"{NativeLibraryResolver.FileName} could not be loaded ({reason}); looked in: {tried}. Set {NativeLibraryResolver.EnvironmentVariable} to its path, or run ./build.sh");
        }

        if (abi != NativeMethods.AU_ABI_VERSION)
        {
            return (null, $"the native library has ABI version {abi}, this build needs {NativeMethods.AU_ABI_VERSION}: rebuild native/ with ./build.sh");
        }

        var version = NativeMethods.au_fingerprint_version();
        if (version != Fingerprint.FingerprintVersion)
        {
            return (null, $"the native library computes fingerprint version {version}, this build stores version {Fingerprint.FingerprintVersion}: rebuild native/ with ./build.sh");
        }

        var draft = NativeMethods.au_fingerprint_draft_version();
        if (draft != Fingerprint.DraftVersion)
        {
            return (null, $"the native library's fingerprint version in development is {draft}, this build's is {Fingerprint.DraftVersion}: rebuild native/ with ./build.sh");
        }

        return (new NativeFingerprintEngine(), null);
    }
}

internal sealed unsafe class NativeFingerprintAnalyzer : IFingerprintAnalyzer
{
    private readonly AnalyzerHandle _handle = new();
    private long _frames;

    public NativeFingerprintAnalyzer(int sampleRate, int channels, int version)
    {
        if (sampleRate <= 0 || channels <= 0)
        {
            throw new FingerprintException(FingerprintErrorKind.InvalidArgument, $"sample rate {sampleRate} Hz and {channels} channels are not a valid audio format");
        }

        nint raw;
        NativeStatus.ThrowIfError(NativeMethods.au_analyzer_new_version((uint)sampleRate, (uint)channels, (uint)version, &raw), "creating the native analyzer");
        _handle.Attach(raw);
        SampleRate = sampleRate;
        Channels = channels;
    }

    public int SampleRate { get; }

    public int Channels { get; }

    public long Frames => _frames;

    public void Push(ReadOnlySpan<float> interleaved)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        fixed (float* p = interleaved)
        {
            NativeStatus.ThrowIfError(NativeMethods.au_analyzer_push(_handle, p, (nuint)interleaved.Length), "pushing audio to the native analyzer");
        }

        _frames += interleaved.Length / Channels;
    }

    public Fingerprint Finish()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        AuFingerprint result;
        NativeStatus.ThrowIfError(NativeMethods.au_analyzer_finish(_handle, &result), "finishing the native analysis");
        return new Fingerprint(result.AsSpan());
    }

    public void Dispose() => _handle.Dispose();
}
