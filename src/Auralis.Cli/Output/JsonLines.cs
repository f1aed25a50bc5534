using System.Text;
using System.Text.Json;

namespace Auralis.Cli.Output;

internal static class JsonLines
{
    /// <summary>Writes one JSON object (one line unless indented).</summary>
    public static void Write(TextWriter output, Action<Utf8JsonWriter> body, bool indented = false)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
        output.Flush();
    }
}
