using Auralis.Server.Security;

namespace Auralis.Server.Tests.Server;

/// <summary>Confinement to the library roots (docs/server.md): what resolves outside is refused.</summary>
public sealed class LibraryRootsTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _music;
    private readonly string _secret;

    public LibraryRootsTests()
    {
        _music = Directory.CreateDirectory(_temp.File("music")).FullName;
        Directory.CreateDirectory(Path.Combine(_music, "album"));
        File.WriteAllText(Path.Combine(_music, "album", "song.wav"), "x");
        var outside = Directory.CreateDirectory(_temp.File("music2")).FullName;
        _secret = Path.Combine(outside, "secret.wav");
        File.WriteAllText(_secret, "x");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_file_under_a_root_is_allowed_with_its_real_path()
    {
        var roots = new LibraryRoots([_music]);
        Assert.Equal(PathVerdict.Allowed, roots.Check(Path.Combine(_music, "album", "song.wav"), out var real));
        Assert.Equal(Path.Combine(_music, "album", "song.wav"), real);
    }

    [Fact]
    public void Dot_dot_out_of_the_root_is_refused_even_when_the_target_exists()
    {
        var roots = new LibraryRoots([_music]);
        Assert.Equal(PathVerdict.Outside, roots.Check(_music + "/album/../../music2/secret.wav", out _));
        Assert.Equal(PathVerdict.Outside, roots.Check(_music + "/../music2/missing.wav", out _));
    }

    [Fact]
    public void A_sibling_folder_sharing_the_roots_name_as_prefix_is_outside()
    {
        Assert.Equal(PathVerdict.Outside, new LibraryRoots([_music]).Check(_secret, out _));
    }

    [UnixFact]
    public void A_symlink_inside_the_root_pointing_outside_is_refused()
    {
        var link = Path.Combine(_music, "album", "link.wav");
        File.CreateSymbolicLink(link, _secret);
        var folderLink = Path.Combine(_music, "escape");
        Directory.CreateSymbolicLink(folderLink, Path.GetDirectoryName(_secret)!);

        var roots = new LibraryRoots([_music]);
        Assert.Equal(PathVerdict.Outside, roots.Check(link, out _));
        Assert.Equal(PathVerdict.Outside, roots.Check(Path.Combine(folderLink, "secret.wav"), out _));
    }

    [UnixFact]
    public void A_symlink_inside_the_root_pointing_inside_is_allowed_as_its_target()
    {
        var link = Path.Combine(_music, "alias.wav");
        File.CreateSymbolicLink(link, Path.Combine(_music, "album", "song.wav"));
        Assert.Equal(PathVerdict.Allowed, new LibraryRoots([_music]).Check(link, out var real));
        Assert.Equal(Path.Combine(_music, "album", "song.wav"), real);
    }

    [UnixFact]
    public void A_root_given_through_a_symlink_confines_to_its_target()
    {
        var alias = _temp.File("music-alias");
        Directory.CreateSymbolicLink(alias, _music);
        var roots = new LibraryRoots([alias]);
        Assert.Equal([_music], roots.Roots);
        Assert.Equal(PathVerdict.Allowed, roots.Check(Path.Combine(alias, "album", "song.wav"), out _));
        Assert.Equal(PathVerdict.Outside, roots.Check(_secret, out _));
    }

    [Fact]
    public void Relative_empty_and_nul_paths_are_refused_and_a_missing_file_inside_is_missing()
    {
        var roots = new LibraryRoots([_music]);
        Assert.Equal(PathVerdict.Outside, roots.Check("album/song.wav", out _));
        Assert.Equal(PathVerdict.Outside, roots.Check("", out _));
        Assert.Equal(PathVerdict.Outside, roots.Check(_music + "/a\0b", out _));
        Assert.Equal(PathVerdict.Missing, roots.Check(Path.Combine(_music, "nope.wav"), out _));
    }

    [Fact]
    public void With_no_roots_nothing_is_allowed_and_a_missing_root_is_an_error()
    {
        Assert.Equal(PathVerdict.Outside, new LibraryRoots([]).Check(Path.Combine(_music, "album", "song.wav"), out _));
        Assert.Throws<DirectoryNotFoundException>(() => new LibraryRoots([_temp.File("absent")]));
    }
}

/// <summary>The listening addresses `auralis serve` accepts.</summary>
public sealed class ServerUrlTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8765", "http://127.0.0.1:8765", true)]
    [InlineData("http://localhost:0/", "http://localhost:0", true)]
    [InlineData("https://[::1]:443", "https://[::1]:443", true)]
    [InlineData("http://*:80", "http://0.0.0.0:80", false)]
    [InlineData("http://192.168.1.5:9000", "http://192.168.1.5:9000", false)]
    public void Valid_urls_parse_with_their_loopbackness(string text, string normalized, bool loopback)
    {
        var url = Auralis.Server.Hosting.ServerUrl.Parse(text);
        Assert.Equal(new Uri(normalized.Replace("localhost", "127.0.0.1", StringComparison.Ordinal)).Port, url.EndPoint.Port);
        Assert.Equal(normalized, url.ToString());
        Assert.Equal(loopback, url.IsLoopback);
    }

    [Theory]
    [InlineData("127.0.0.1:8765")]
    [InlineData("http://127.0.0.1")]
    [InlineData("ftp://127.0.0.1:21")]
    [InlineData("http://example.com:80")]
    [InlineData("http://127.0.0.1:99999")]
    [InlineData("http://127.0.0.1:80/api")]
    [InlineData("http://unix:/tmp/auralis.sock")]
    public void Invalid_urls_are_configuration_errors_that_show_an_example(string text)
    {
        var e = Assert.Throws<Auralis.Server.Hosting.ServerConfigurationException>(() => Auralis.Server.Hosting.ServerUrl.Parse(text));
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
    }
}
