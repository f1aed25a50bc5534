using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Auralis.Fingerprinting;
using Auralis.Library.Sidecars;

namespace Auralis.Library.Tests.Sidecars;

/// <summary>Where sidecars go, that they are written atomically, and that only a valid, current one is ever read back.</summary>
public sealed class SidecarStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _music;
    private readonly string _cacheRoot;

    public SidecarStoreTests()
    {
        _music = Path.Combine(_dir.Path, "music");
        _cacheRoot = Path.Combine(_dir.Path, "cache", "auralis", "sidecars");
        Directory.CreateDirectory(_music);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_sidecar_written_beside_the_audio_is_read_back_and_the_cache_is_not_touched()
    {
        var audio = Audio("song.flac", 1000);
        var store = new SidecarStore(_cacheRoot);
        var signature = AudioFileSignature.Of(audio);
        var fingerprint = TestDatabase.Sample(1);

        Assert.Equal(SidecarLocation.BesideAudio, store.Write(audio, signature, fingerprint));

        var sidecar = Path.Combine(_music, "song.flac.25d");
        Assert.Equal(sidecar, SidecarStore.BesidePath(audio));
        Assert.Equal(SidecarFormat.Encode(fingerprint, Fingerprint.FingerprintVersion, signature), File.ReadAllBytes(sidecar));
        Assert.Equal(fingerprint, store.TryRead(audio, signature, out var reason));
        Assert.Contains(sidecar, reason);
        Assert.False(Directory.Exists(_cacheRoot));
    }

    [Fact]
    public void Song_flac_and_song_mp3_get_separate_sidecars()
    {
        var flac = Audio("song.flac", 100);
        var mp3 = Audio("song.mp3", 200);
        var store = new SidecarStore(_cacheRoot);

        store.Write(flac, AudioFileSignature.Of(flac), TestDatabase.Sample(1));
        store.Write(mp3, AudioFileSignature.Of(mp3), TestDatabase.Sample(2));

        Assert.Equal(Path.Combine(_music, "song.mp3.25d"), SidecarStore.BesidePath(mp3));
        Assert.NotEqual(SidecarStore.BesidePath(flac), SidecarStore.BesidePath(mp3));
        Assert.Equal(TestDatabase.Sample(1), store.TryRead(flac, AudioFileSignature.Of(flac), out _));
        Assert.Equal(TestDatabase.Sample(2), store.TryRead(mp3, AudioFileSignature.Of(mp3), out _));
        Assert.Equal(["song.flac", "song.flac.25d", "song.mp3", "song.mp3.25d"], FileNames(_music));
    }

    [Fact]
    public void A_missing_sidecar_reads_as_null_naming_both_places_looked()
    {
        var audio = Audio("song.flac", 10);
        var store = new SidecarStore(_cacheRoot);
        Assert.Null(store.TryRead(audio, AudioFileSignature.Of(audio), out var reason));
        Assert.Contains(SidecarStore.BesidePath(audio), reason);
        Assert.Contains(store.CachePath(audio), reason);
        Assert.Contains("no sidecar", reason);
    }

    [Fact]
    public void Changing_the_audio_size_makes_the_sidecar_stale()
    {
        var audio = Audio("song.flac", 1000);
        var store = new SidecarStore(_cacheRoot);
        var before = AudioFileSignature.Of(audio);
        store.Write(audio, before, TestDatabase.Sample(1));
        var mtime = File.GetLastWriteTimeUtc(audio);

        File.AppendAllText(audio, "x");
        File.SetLastWriteTimeUtc(audio, mtime); // only the size differs
        var after = AudioFileSignature.Of(audio);
        Assert.Equal((before.SizeBytes + 1, before.MtimeNs), (after.SizeBytes, after.MtimeNs));

        Assert.Null(store.TryRead(audio, after, out var reason));
        Assert.Contains("size", reason);
        Assert.NotNull(store.TryRead(audio, before, out _));
    }

    [Fact]
    public void Changing_the_audio_mtime_makes_the_sidecar_stale()
    {
        var audio = Audio("song.flac", 1000);
        var store = new SidecarStore(_cacheRoot);
        var before = AudioFileSignature.Of(audio);
        store.Write(audio, before, TestDatabase.Sample(1));

        File.SetLastWriteTimeUtc(audio, File.GetLastWriteTimeUtc(audio).AddSeconds(1));
        var after = AudioFileSignature.Of(audio);
        Assert.Equal((before.SizeBytes, before.MtimeNs + 1_000_000_000), (after.SizeBytes, after.MtimeNs));

        Assert.Null(store.TryRead(audio, after, out var reason));
        Assert.Contains("mtime", reason);
    }

    [Fact]
    public void AudioFileSignature_is_the_size_and_the_mtime_in_unix_nanoseconds()
    {
        var audio = Audio("song.flac", 4321);
        File.SetLastWriteTimeUtc(audio, new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1_234_567));
        Assert.Equal(new AudioFileSignature(4321, 1_714_979_289_123_456_700), AudioFileSignature.Of(audio));
    }

    [Fact]
    public void AudioFileSignature_of_a_missing_file_throws_FileNotFoundException()
    {
        Assert.Throws<FileNotFoundException>(() => AudioFileSignature.Of(Path.Combine(_music, "gone.flac")));
    }

    [Fact]
    public void Corrupt_truncated_or_odd_sidecar_files_read_as_null_and_never_throw()
    {
        var audio = Audio("song.flac", 1000);
        var signature = AudioFileSignature.Of(audio);
        var store = new SidecarStore(_cacheRoot);
        var sidecar = SidecarStore.BesidePath(audio);
        var valid = SidecarFormat.Encode(TestDatabase.Sample(1), Fingerprint.FingerprintVersion, signature);

        var damaged = new List<(string What, Action Make)>
        {
            ("empty", () => File.WriteAllBytes(sidecar, [])),
            ("truncated", () => File.WriteAllBytes(sidecar, valid[..100])),
            ("one byte short", () => File.WriteAllBytes(sidecar, valid[..131])),
            ("one byte long", () => File.WriteAllBytes(sidecar, [.. valid, 0])),
            ("large", () => File.WriteAllBytes(sidecar, new byte[1 << 20])),
            ("a folder", () => Directory.CreateDirectory(sidecar)),
            ("a broken symlink", () => File.CreateSymbolicLink(sidecar, Path.Combine(_music, "nowhere"))),
        };
        foreach (var position in new[] { 0, 4, 6, 8, 12, 20, 28, 77, 127, 128, 131 })
        {
            damaged.Add(($"byte {position} flipped", () =>
            {
                var bytes = (byte[])valid.Clone();
                bytes[position] ^= 0x10;
                File.WriteAllBytes(sidecar, bytes);
            }));
        }

        foreach (var (what, make) in damaged)
        {
            File.WriteAllBytes(sidecar, valid);
            Assert.NotNull(store.TryRead(audio, signature, out _)); // control: valid before the damage
            File.Delete(sidecar);
            make();

            Assert.Null(store.TryRead(audio, signature, out var reason));
            Assert.False(string.IsNullOrWhiteSpace(reason), what);

            if (Directory.Exists(sidecar) && !File.GetAttributes(sidecar).HasFlag(FileAttributes.ReparsePoint))
            {
                Directory.Delete(sidecar);
            }
            else
            {
                File.Delete(sidecar);
            }
        }
    }

    [UnixOnlyFact]
    public void A_fifo_named_like_the_sidecar_reads_as_null_without_blocking()
    {
        var audio = Audio("song.flac", 1000);
        Posix.MakeFifo(SidecarStore.BesidePath(audio));
        var store = new SidecarStore(_cacheRoot);

        // Opening a FIFO for reading blocks until a writer comes; the store must not open it.
        var read = Task.Run(() => store.TryRead(audio, AudioFileSignature.Of(audio), out _));
        Assert.True(read.Wait(TimeSpan.FromSeconds(10)), "TryRead blocked on a FIFO");
        Assert.Null(read.Result);
    }

    [Fact]
    public void Writing_leaves_no_temp_files_and_replaces_an_existing_sidecar()
    {
        var audio = Audio("song.flac", 1000);
        var signature = AudioFileSignature.Of(audio);
        var store = new SidecarStore(_cacheRoot);

        for (var seed = 1; seed <= 5; seed++)
        {
            store.Write(audio, signature, TestDatabase.Sample(seed));
            Assert.Equal(["song.flac", "song.flac.25d"], FileNames(_music));
            Assert.Equal(TestDatabase.Sample(seed), store.TryRead(audio, signature, out _));
        }
    }

    [Fact]
    public void Writing_goes_through_a_flushed_temp_file_in_the_target_folder()
    {
        var audio = Audio("song.flac", 1000);
        var temps = new List<string>();
        var store = new SidecarStore(_cacheRoot, path =>
        {
            temps.Add(path);
            Assert.False(File.Exists(SidecarStore.BesidePath(audio))); // the target appears only by the rename
            return SidecarStore.CreateTempFile(path);
        });

        store.Write(audio, AudioFileSignature.Of(audio), TestDatabase.Sample(1));

        var temp = Assert.Single(temps);
        Assert.Equal(_music, Path.GetDirectoryName(temp));
        Assert.StartsWith(".song.flac.25d.", Path.GetFileName(temp), StringComparison.Ordinal);
        Assert.EndsWith(".tmp", temp, StringComparison.Ordinal);
        Assert.False(File.Exists(temp));
        Assert.True(File.Exists(SidecarStore.BesidePath(audio)));
    }

    public static TheoryData<string> BesideFailures() => new() { "EACCES", "EROFS" };

    [Theory]
    [MemberData(nameof(BesideFailures))]
    public void When_the_audio_folder_is_not_writable_the_sidecar_goes_to_the_cache_under_the_sha256_name(string failure)
    {
        var audio = Audio("song.flac", 1000);
        var signature = AudioFileSignature.Of(audio);
        var store = StoreWithUnwritable(_music, failure);

        Assert.Equal(SidecarLocation.Cache, store.Write(audio, signature, TestDatabase.Sample(1)));

        var expected = Path.Combine(_cacheRoot, Sha256Hex(audio) + ".25d");
        Assert.Equal(expected, store.CachePath(audio));
        Assert.Equal(SidecarFormat.Encode(TestDatabase.Sample(1), Fingerprint.FingerprintVersion, signature), File.ReadAllBytes(expected));
        Assert.Equal(["song.flac"], FileNames(_music));
        Assert.Equal([Path.GetFileName(expected)], FileNames(_cacheRoot));

        // An ordinary store (its folder writable again) finds it there too.
        Assert.Equal(TestDatabase.Sample(1), new SidecarStore(_cacheRoot).TryRead(audio, signature, out var reason));
        Assert.Contains(expected, reason);
    }

    [Fact]
    public void A_beside_write_that_fails_after_creating_its_temp_file_leaves_nothing_behind_and_falls_back_to_the_cache()
    {
        var audio = Audio("song.flac", 1000);
        var store = new SidecarStore(_cacheRoot, path =>
        {
            if (Path.GetDirectoryName(path) == _music)
            {
                SidecarStore.CreateTempFile(path).Dispose();
                throw new IOException("No space left on device", 28);
            }

            return SidecarStore.CreateTempFile(path);
        });

        Assert.Equal(SidecarLocation.Cache, store.Write(audio, AudioFileSignature.Of(audio), TestDatabase.Sample(1)));
        Assert.Equal(["song.flac"], FileNames(_music));
        Assert.Single(FileNames(_cacheRoot));
    }

    [Fact]
    public void A_valid_cache_sidecar_is_found_when_the_beside_one_is_stale()
    {
        var audio = Audio("song.flac", 1000);
        var old = AudioFileSignature.Of(audio);
        new SidecarStore(_cacheRoot).Write(audio, old, TestDatabase.Sample(1));

        // The folder became read-only, then the audio changed and was analysed again.
        File.AppendAllText(audio, "more");
        var current = AudioFileSignature.Of(audio);
        Assert.Equal(SidecarLocation.Cache, StoreWithUnwritable(_music, "EROFS").Write(audio, current, TestDatabase.Sample(2)));

        var store = new SidecarStore(_cacheRoot);
        Assert.Equal(TestDatabase.Sample(2), store.TryRead(audio, current, out _));
        Assert.Equal(TestDatabase.Sample(1), store.TryRead(audio, old, out _));
    }

    [Fact]
    public void When_neither_place_is_writable_Write_throws_an_IOException_naming_the_paths()
    {
        var audio = Audio("song.flac", 1000);
        var blocker = Path.Combine(_dir.Path, "a-file");
        File.WriteAllText(blocker, "not a folder");
        var cacheRoot = Path.Combine(blocker, "sidecars"); // really unwritable, even for root: its parent is a file
        var store = new SidecarStore(cacheRoot, path => Path.GetDirectoryName(path) == _music
            ? throw new UnauthorizedAccessException($"Access to the path '{path}' is denied.")
            : SidecarStore.CreateTempFile(path));

        var e = Assert.Throws<IOException>(() => store.Write(audio, AudioFileSignature.Of(audio), TestDatabase.Sample(1)));
        Assert.Contains(audio, e.Message);
        Assert.Contains(SidecarStore.BesidePath(audio), e.Message);
        Assert.Contains(store.CachePath(audio), e.Message);
        Assert.Equal(["song.flac"], FileNames(_music));
    }

    [NotRootFact("the simulated-EACCES tests cover the fallback")]
    [UnsupportedOSPlatform("windows")]
    public void A_folder_without_write_permission_sends_the_sidecar_to_the_cache()
    {
        var audio = Audio("song.flac", 1000);
        var mode = File.GetUnixFileMode(_music);
        File.SetUnixFileMode(_music, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            var store = new SidecarStore(_cacheRoot);
            var signature = AudioFileSignature.Of(audio);
            Assert.Equal(SidecarLocation.Cache, store.Write(audio, signature, TestDatabase.Sample(1)));
            Assert.Equal(TestDatabase.Sample(1), store.TryRead(audio, signature, out _));
        }
        finally
        {
            File.SetUnixFileMode(_music, mode);
        }
    }

    [Fact]
    public void The_cache_name_is_the_lowercase_sha256_of_the_utf8_full_path_and_is_stable()
    {
        var store = new SidecarStore("/var/cache/x");
        Assert.Equal("/var/cache/x/039dcb91f6d52555946399352af9e65a820e7fea210a82bd4a438684fe2ea812.25d", store.CachePath("/music/a/song.flac"));
        Assert.Equal("/var/cache/x/3f2ccd5185bf87bd21022a60a23e90230e173df658906e468a3476d7294698ce.25d", store.CachePath("/music/Ünïcode/sång.flac"));
        Assert.Equal(store.CachePath("/music/a/song.flac"), new SidecarStore("/var/cache/x").CachePath("/music/a/song.flac"));

        // The full path, not the name: same name in another folder differs, relative and dotted forms agree.
        Assert.NotEqual(store.CachePath("/music/a/song.flac"), store.CachePath("/music/b/song.flac"));
        Assert.Equal(store.CachePath("/music/a/song.flac"), store.CachePath("/music/b/../a/./song.flac"));
        Assert.Equal(store.CachePath(Path.GetFullPath("song.flac")), store.CachePath("song.flac"));
    }

    [Fact]
    public void BesidePath_appends_25d_to_the_full_file_name_and_refuses_a_folder()
    {
        Assert.Equal("/m/song.flac.25d", SidecarStore.BesidePath("/m/song.flac"));
        Assert.Equal("/m/song.mp3.25d", SidecarStore.BesidePath("/m/song.mp3"));
        Assert.Equal("/m/README.25d", SidecarStore.BesidePath("/m/README"));
        Assert.Throws<ArgumentException>(() => SidecarStore.BesidePath("/m/"));
    }

    [Fact]
    public void The_default_cache_root_follows_XDG_CACHE_HOME_else_the_home_cache()
    {
        Assert.Equal("/x/cache/auralis/sidecars", SidecarStore.DefaultCacheRoot("/x/cache", "/home/u"));
        Assert.Equal("/home/u/.cache/auralis/sidecars", SidecarStore.DefaultCacheRoot(null, "/home/u"));
        Assert.Equal("/home/u/.cache/auralis/sidecars", SidecarStore.DefaultCacheRoot("", "/home/u"));
        Assert.Equal("/home/u/.cache/auralis/sidecars", SidecarStore.DefaultCacheRoot("relative/cache", "/home/u")); // XDG: relative is invalid
        Assert.Equal(
            SidecarStore.DefaultCacheRoot(Environment.GetEnvironmentVariable("XDG_CACHE_HOME"), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)),
            new SidecarStore().CacheRoot);
        Assert.Equal(_cacheRoot, new SidecarStore(_cacheRoot).CacheRoot);
    }

    private string Audio(string name, int size)
    {
        var path = Path.Combine(_music, name);
        File.WriteAllBytes(path, new byte[size]);
        return path;
    }

    /// <summary>
    /// A store whose temp-file creation in <paramref name="folder"/> fails as the OS fails it for
    /// a folder without write permission (EACCES) or on a read-only filesystem (EROFS).
    /// </summary>
    private SidecarStore StoreWithUnwritable(string folder, string failure) =>
        new(_cacheRoot, path => Path.GetDirectoryName(path) != folder
            ? SidecarStore.CreateTempFile(path)
            : failure == "EROFS"
                ? throw new IOException($"Read-only file system : '{path}'", 30)
                : throw new UnauthorizedAccessException($"Access to the path '{path}' is denied."));

    private static string Sha256Hex(string path) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(path))).ToLowerInvariant();

    private static string[] FileNames(string folder) =>
        Directory.EnumerateFileSystemEntries(folder).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();
}
