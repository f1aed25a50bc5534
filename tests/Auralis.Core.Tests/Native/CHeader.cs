using System.Text.RegularExpressions;

namespace Auralis.Tests.Native;

/// <summary>
/// A small reader for the cbindgen-generated header: function prototypes, integer #defines and
/// struct fields. Enough for the ABI checks, not a C parser.
/// </summary>
internal sealed partial class CHeader
{
    public CHeader(string text)
    {
        var code = BlockComment().Replace(text, " ");
        code = LineComment().Replace(code, " ");
        foreach (Match m in Define().Matches(code))
        {
            Defines[m.Groups["name"].Value] = long.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        // Prototypes are read from the code without preprocessor lines and the C++ wrapper.
        code = Preprocessor().Replace(code, " ").Replace("extern \"C\" {", " ", StringComparison.Ordinal);
        foreach (Match m in Function().Matches(code))
        {
            var parameters = m.Groups["params"].Value.Trim();
            var list = parameters is "" or "void"
                ? new List<CType>()
                : parameters.Split(',').Select(p => CType.Parse(p, withName: true)).ToList();
            Functions[m.Groups["name"].Value] = (CType.Parse(m.Groups["ret"].Value, withName: false), list);
        }

        foreach (Match m in Struct().Matches(code))
        {
            Structs[m.Groups["name"].Value] = m.Groups["body"].Value
                .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(f => CType.Parse(f, withName: true))
                .ToList();
        }
    }

    public Dictionary<string, long> Defines { get; } = [];

    public Dictionary<string, (CType Return, List<CType> Parameters)> Functions { get; } = [];

    public Dictionary<string, List<CType>> Structs { get; } = [];

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"^\s*#[^\n]*$", RegexOptions.Multiline)]
    private static partial Regex Preprocessor();

    [GeneratedRegex(@"#define\s+(?<name>AU_\w+)\s+(?<value>-?\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Define();

    [GeneratedRegex(@"(?<ret>[A-Za-z_][\w\s\*]*?)\s*\b(?<name>au_\w+)\s*\((?<params>[^)]*)\)\s*;")]
    private static partial Regex Function();

    [GeneratedRegex(@"typedef\s+struct\s+(?<name>\w+)\s*\{(?<body>[^}]*)\}")]
    private static partial Regex Struct();
}

/// <summary>A C type with pointer depth (and the declared name, for parameters and fields).</summary>
internal sealed record CType(string Base, int Pointers, bool IsConst, string? Name)
{
    public static CType Parse(string declaration, bool withName)
    {
        var text = declaration.Replace("*", " * ", StringComparison.Ordinal);
        var tokens = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
        var isConst = tokens.Remove("const");
        tokens.Remove("struct");
        string? name = null;
        if (withName)
        {
            name = tokens[^1];
            tokens.RemoveAt(tokens.Count - 1);
        }

        var pointers = tokens.Count(t => t == "*");
        var bases = tokens.Where(t => t != "*").ToList();
        if (bases.Count != 1)
        {
            throw new FormatException($"Cannot read the C declaration '{declaration.Trim()}'.");
        }

        return new CType(bases[0], pointers, isConst, name);
    }

    public override string ToString() => $"{(IsConst ? "const " : "")}{Base}{new string('*', Pointers)}";
}
