using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Auralis.Native;

/// <summary>
/// Maps the logical name "auralis" to the Rust library file: <c>AURALIS_NATIVE_LIB</c> (a full
/// path) first, then <c>runtimes/&lt;rid&gt;/native/</c> next to this assembly, then the plain name
/// through the OS loader (docs/native-abi.md).
/// </summary>
internal static class NativeLibraryResolver
{
    public const string EnvironmentVariable = "AURALIS_NATIVE_LIB";

    // The resolver must be in place before the first P/Invoke from any entry point (CLI, tests,
    // benchmarks, embedders), which only a module initializer guarantees.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);

    /// <summary>Platform file name of the library (libauralis.so, auralis.dll, libauralis.dylib).</summary>
    public static string FileName =>
        OperatingSystem.IsWindows() ? "auralis.dll"
        : OperatingSystem.IsMacOS() ? "libauralis.dylib"
        : "libauralis.so";

    /// <summary>The paths tried, in order, for diagnostics.</summary>
    public static IEnumerable<string> Candidates()
    {
        var overridePath = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            yield return overridePath;
            yield break; // An explicit override must not silently fall back to another copy.
        }

        var baseDir = Path.GetDirectoryName(typeof(NativeLibraryResolver).Assembly.Location) ?? AppContext.BaseDirectory;
        foreach (var rid in RuntimeIdentifiers())
        {
            yield return Path.Combine(baseDir, "runtimes", rid, "native", FileName);
        }

        yield return Path.Combine(baseDir, FileName);
    }

    private static IEnumerable<string> RuntimeIdentifiers()
    {
        yield return RuntimeInformation.RuntimeIdentifier;
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var portable = $"{os}-{arch}";
        if (portable != RuntimeInformation.RuntimeIdentifier)
        {
            yield return portable;
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != NativeMethods.Library)
        {
            return nint.Zero;
        }

        var overridePath = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            // An explicit override loads exactly that file or fails; never another copy.
            if (!File.Exists(overridePath))
            {
                throw new DllNotFoundException($"{EnvironmentVariable} is set to '{overridePath}', which does not exist");
            }

            return NativeLibrary.Load(overridePath);
        }

        foreach (var candidate in Candidates())
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }

        return NativeLibrary.TryLoad(libraryName, assembly, searchPath, out var fallback) ? fallback : nint.Zero;
    }
}
