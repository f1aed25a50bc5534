using System.Text;
using System.Text.Json;

namespace Auralis.Cli.Output;

internal static class JsonLines
{
    /// <summary>Writes one JSON object (one line unless indented).</summary>
    public static void Write(TextWriter output, Action<Utf8JsonWriter> body, bool indented = false) =>
        WriteValue(output, indented, json =>
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        });

    /// <summary>Writes one indented JSON array; <paramref name="items"/> writes its elements.</summary>
    public static void WriteArray(TextWriter output, Action<Utf8JsonWriter> items) =>
        WriteValue(output, indented: true, json =>
        {
            json.WriteStartArray();
            items(json);
            json.WriteEndArray();
        });

    private static void WriteValue(TextWriter output, bool indented, Action<Utf8JsonWriter> value)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            value(json);
        }

        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
        output.Flush();
    }

    /// <summary>A number rounded to <paramref name="digits"/>, or null.</summary>
    public static void WriteRounded(this Utf8JsonWriter json, string name, double? value, int digits)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, Math.Round(v, digits));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
