using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Auralis.Audio.Native;

/// <summary>Finds libsndfile on this machine and reports whether it loaded.</summary>
internal static class SndFileLibrary
{
    /// <summary>Full path or file name of the library to load instead of the usual names.</summary>
    internal const string OverrideVariable = "AURALIS_SNDFILE_LIB";

    /// <summary>
    /// The override value that makes the process behave as if libsndfile were not installed: it is
    /// never loaded, WAV and AIFF go to NAudio, the rest to ffmpeg. For the tests of the managed-only
    /// path, and for users who want to rule libsndfile out when a file decodes strangely.
    /// </summary>
    internal const string Disabled = "none";

    private static bool IsDisabled(string? overridePath) =>
        string.Equals(overridePath?.Trim(), Disabled, StringComparison.OrdinalIgnoreCase);

    // Debian ships only libsndfile.so.1 unless the -dev package is installed, so the versioned name
    // comes first; the others cover -dev installs, Windows (vcpkg/official builds) and macOS.
    private static readonly string[] CandidateNames =
    [
        "libsndfile.so.1", "libsndfile.so", "sndfile", "libsndfile-1", "libsndfile.1.dylib",
    ];

    private static readonly Lazy<(bool Available, string? Version, string? Error)> Probe = new(ProbeLibrary);

    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The resolver must be in place before the first P/Invoke from any entry point.")]
    [ModuleInitializer]
    internal static void RegisterResolver() =>
        NativeLibrary.SetDllImportResolver(typeof(SndFileLibrary).Assembly, Resolve);

    internal static bool IsAvailable => Probe.Value.Available;

    internal static string? Version => Probe.Value.Version;

    /// <summary>Why the library could not be loaded, for error messages; null when it loaded.</summary>
    internal static string? LoadError => Probe.Value.Error;

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == SndFileNative.LibraryName
            ? Load(Environment.GetEnvironmentVariable(OverrideVariable), assembly, searchPath)
            : 0;

    /// <summary>Loads libsndfile: the override if given (or fails), else the first candidate name that loads.</summary>
    internal static nint Load(string? overridePath, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (IsDisabled(overridePath))
        {
            throw new DllNotFoundException($"libsndfile is turned off ({OverrideVariable}={Disabled})");
        }

        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            // An explicit override must not silently fall back to some other copy of the library.
            return NativeLibrary.TryLoad(overridePath, assembly, searchPath, out nint forced)
                ? forced
                : throw new DllNotFoundException(
                    $"{OverrideVariable}={overridePath} could not be loaded; fix or unset the variable.");
        }

        foreach (string name in CandidateNames)
        {
            if (NativeLibrary.TryLoad(name, assembly, searchPath, out nint handle))
            {
                return handle;
            }
        }

        return 0; // let the runtime's default probing try, and report its failure
    }

    private static (bool, string?, string?) ProbeLibrary()
    {
        if (IsDisabled(Environment.GetEnvironmentVariable(OverrideVariable)))
        {
            return (false, null, $"libsndfile is turned off ({OverrideVariable}={Disabled})");
        }

        try
        {
            return (true, SndFileNative.PtrToString(SndFileNative.sf_version_string()), null);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return (false, null,
                $"libsndfile could not be loaded ({ex.Message}); install it (Debian: apt-get install libsndfile1) " +
                $"or point {OverrideVariable} at the library file");
        }
    }
}
