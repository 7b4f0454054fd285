using Meshnet.Daemon.Security;
using Xunit;

namespace Meshnet.Daemon.Tests.Security;

public sealed class FileCaSourceTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    [Fact]
    public async Task LoadOrCreateAsync_ManySourcesAtOnce_CreateExactlyOnceAndAgree()
    {
        var created = 0;
        CaPem Create()
        {
            Interlocked.Increment(ref created);
            Thread.Sleep(100); // hold the window open: a racing creator would get in here
            return ClusterCa.CreatePem(TimeProvider.System);
        }

        var start = new TaskCompletionSource();
        var racers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            return await new FileCaSource(_dir.Path).LoadOrCreateAsync(Create, CancellationToken.None);
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(racers);

        Assert.Equal(1, created);
        Assert.Single(results.Distinct());
    }

    [Fact]
    public async Task LoadOrCreateAsync_Created_KeyFileIsOwnerOnly()
    {
        var source = new FileCaSource(_dir.Path);
        await source.LoadOrCreateAsync(() => ClusterCa.CreatePem(TimeProvider.System), CancellationToken.None);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(source.KeyPath));
    }

    [Fact]
    public async Task LoadOrCreateAsync_AlreadyStored_ReturnsStoredWithoutCreating()
    {
        var first = await new FileCaSource(_dir.Path).LoadOrCreateAsync(() => ClusterCa.CreatePem(TimeProvider.System), CancellationToken.None);

        var second = await new FileCaSource(_dir.Path).LoadOrCreateAsync(() => throw new InvalidOperationException("must not create"), CancellationToken.None);

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task LoadOrCreateAsync_OnlyKeyPresent_RefusesToCreateAnotherCa()
    {
        var source = new FileCaSource(_dir.Path);
        await File.WriteAllTextAsync(source.KeyPath, "leftover");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            source.LoadOrCreateAsync(() => ClusterCa.CreatePem(TimeProvider.System), CancellationToken.None));

        Assert.Contains(FileCaSource.CertificateFile, e.Message, StringComparison.Ordinal);
        Assert.Equal("leftover", await File.ReadAllTextAsync(source.KeyPath));
    }

    public void Dispose() => _dir.Dispose();
}
