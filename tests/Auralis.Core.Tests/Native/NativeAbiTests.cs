using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Auralis.Fingerprinting;
using Auralis.Native;

namespace Auralis.Tests.Native;

/// <summary>
/// The C# declarations can never drift from the Rust core: every function, constant and struct
/// field of the generated header is checked against NativeMethods, and every entry point against
/// the built library's exports.
/// </summary>
public sealed class NativeAbiTests
{
    private static readonly CHeader Header = new(File.ReadAllText(RepoPaths.Header));

    private static readonly MethodInfo[] Declared = typeof(NativeMethods)
        .GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly)
        .Where(m => m.Name.StartsWith("au_", StringComparison.Ordinal))
        .ToArray();

    public static TheoryData<string> HeaderFunctions()
    {
        var data = new TheoryData<string>();
        foreach (var name in Header.Functions.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void Header_declares_the_expected_surface()
    {
        // A guard against the parser silently reading nothing.
        Assert.True(Header.Functions.Count >= 12, $"only {Header.Functions.Count} functions parsed");
        Assert.Contains("au_analyzer_push", Header.Functions.Keys);
        Assert.Contains("AuFingerprint", Header.Structs.Keys);
    }

    [Theory]
    [MemberData(nameof(HeaderFunctions))]
    public void Every_header_function_has_a_matching_csharp_declaration(string name)
    {
        var method = Assert.Single(Declared, m => m.Name == name);
        var (ret, parameters) = Header.Functions[name];
        Assert.True(Matches(ret, method.ReturnType), $"{name}: return type {ret} vs {method.ReturnType}");
        var csharp = method.GetParameters();
        Assert.Equal(parameters.Count, csharp.Length);
        for (var i = 0; i < parameters.Count; i++)
        {
            Assert.True(
                Matches(parameters[i], csharp[i].ParameterType),
                $"{name} parameter {i} ({parameters[i].Name}): C {parameters[i]} vs C# {csharp[i].ParameterType}");
            Assert.Equal(parameters[i].Name, csharp[i].Name);
        }
    }

    [Fact]
    public void Every_csharp_declaration_exists_in_the_header()
    {
        var missing = Declared.Select(m => m.Name).Where(n => !Header.Functions.ContainsKey(n)).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Every_entry_point_is_exported_by_the_built_library()
    {
        Assert.True(NativeFingerprintEngine.TryLoad(out _, out var error), error);
        var path = NativeLibraryResolver.Candidates().First(File.Exists);
        var library = NativeLibrary.Load(path);
        try
        {
            foreach (var name in Header.Functions.Keys)
            {
                Assert.True(NativeLibrary.TryGetExport(library, name, out _), $"{path} does not export {name}");
            }
        }
        finally
        {
            NativeLibrary.Free(library);
        }
    }

    [Fact]
    public void Status_codes_and_versions_match_the_header_defines()
    {
        var constants = typeof(NativeMethods)
            .GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(f => f.IsLiteral && f.Name.StartsWith("AU_", StringComparison.Ordinal))
            .ToDictionary(f => f.Name, f => Convert.ToInt64(f.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (name, value) in Header.Defines.Where(d => d.Key.StartsWith("AU_ERR_", StringComparison.Ordinal) || d.Key == "AU_OK"))
        {
            Assert.True(constants.TryGetValue(name, out var csharp), $"{name} is not declared in NativeMethods");
            Assert.Equal(value, csharp);
        }

        Assert.Equal(NativeMethods.AbiVersion, Header.Defines["AU_ABI_VERSION"]);
        Assert.Equal(NativeMethods.FingerprintDimensions, Header.Defines["AU_FINGERPRINT_DIMENSIONS"]);
    }

    [Fact]
    public void Fingerprint_struct_fields_sizes_and_offsets_match_the_header()
    {
        var fields = Header.Structs["AuFingerprint"];
        var csharp = typeof(AuFingerprint).GetFields(BindingFlags.Instance | BindingFlags.Public);
        Assert.Equal(fields.Select(f => f.Name), csharp.Select(f => f.Name));
        Assert.All(fields, f => Assert.Equal("float", f.Base));
        Assert.Equal(fields.Count * sizeof(float), Marshal.SizeOf<AuFingerprint>());
        Assert.Equal(fields.Count * sizeof(float), Unsafe.SizeOf<AuFingerprint>());
        for (var i = 0; i < fields.Count; i++)
        {
            Assert.Equal(i * sizeof(float), (int)Marshal.OffsetOf<AuFingerprint>(fields[i].Name!));
        }

        // The struct is the dimension list, in storage order.
        Assert.Equal(FingerprintDimensions.Names, fields.Select(f => f.Name!));
    }

    [Fact]
    public void A_panic_inside_the_core_becomes_an_error_status_not_a_crash()
    {
        Assert.True(NativeFingerprintEngine.TryLoad(out _, out var error), error);
        Assert.Equal(NativeMethods.AU_ERR_PANIC, NativeMethods.au_selftest_panic());
        Assert.Contains("deliberate panic", NativeStatus.LastErrorMessage(), StringComparison.Ordinal);
        // The process is still fine and the core still works afterwards.
        Assert.Equal(NativeMethods.AbiVersion, NativeMethods.au_abi_version());
    }

    private static bool Matches(CType c, Type t)
    {
        if (c.Pointers == 0)
        {
            return c.Base switch
            {
                "int32_t" => t == typeof(int),
                "uint32_t" => t == typeof(uint),
                "size_t" => t == typeof(nuint),
                "void" => t == typeof(void),
                _ => false,
            };
        }

        if (c.Pointers == 1 && c.Base is "AuAnalyzer" or "AuFftPlan")
        {
            // Borrowed handles travel as SafeHandles; the _free functions take the raw pointer.
            var handle = c.Base == "AuAnalyzer" ? typeof(AnalyzerHandle) : typeof(FftPlanHandle);
            return t == handle || t == typeof(nint);
        }

        if (c.Pointers == 2 && c.Base is "AuAnalyzer" or "AuFftPlan")
        {
            return t == typeof(nint*);
        }

        if (!t.IsPointer)
        {
            return false;
        }

        var element = t.GetElementType()!;
        return c.Base switch
        {
            "float" => element == typeof(float),
            "char" => element == typeof(byte),
            "size_t" => element == typeof(nuint),
            "AuFingerprint" => element == typeof(AuFingerprint),
            _ => false,
        };
    }
}
