using System.Diagnostics;
using System.Globalization;
using System.Net;
using Meshnet.Daemon.NodeApi;
using Meshnet.Daemon.Security;
using Meshnet.Wire;

// One emulated node's wire data path, hosted exactly as meshnetd registers it (AddWireRelay / MapWireService on the
// mutual-TLS node listener), with its ends read from a file instead of the control plane's store:
//   wirehost NODE LISTEN_IP:PORT PKI_DIR ENDS_FILE
// ENDS_FILE: one end per line: LOCAL_ID NAMESPACE UID NETNS_PATH IFNAME PEER_NODE PEER_IP:PORT MTU
// Prints "attached N ends in S s" and then, whenever the number of ends with carrier changes, "up N".
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: wirehost NODE LISTEN_IP:PORT PKI_DIR ENDS_FILE");
    return 2;
}

var (node, listen, pki, endsFile) = (args[0], IPEndPoint.Parse(args[1]), args[2], args[3]);
using var tls = await NodeTlsMaterial.LoadAsync(new FileCaSource(pki), Path.Combine(pki, node), node, [listen.Address], TimeProvider.System, CancellationToken.None);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k => k.ListenNodeApi(listen, tls));
builder.Services.AddGrpc();
builder.Services.AddSingleton(tls);
builder.Services.AddSingleton(tls.Validator);
builder.Services.AddSingleton<NodeLinksClientFactory>();
builder.Services.AddWireRelay();
// Experiment knob (not what meshnetd does): Kestrel runs request code on its socket threads, one hop fewer per frame.
if (Environment.GetEnvironmentVariable("WIREHOST_INLINE") == "1")
{
    builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>(o => o.UnsafePreferInlineScheduling = true);
}
var app = builder.Build();
app.MapWireService();
await app.StartAsync();

var relay = app.Services.GetRequiredService<IWireRelay>();
var up = 0;
relay.CarrierChanged += s =>
{
    var now = s.CarrierUp ? Interlocked.Increment(ref up) : Interlocked.Decrement(ref up);
    Console.WriteLine($"{Stopwatch.GetTimestamp()} up {now}");
};

var started = Stopwatch.StartNew();
var ends = File.ReadLines(endsFile).Where(l => l.Length > 0).Select(l => l.Split(' ')).Select(f => new WireEnd(
    long.Parse(f[0], CultureInfo.InvariantCulture), f[1], int.Parse(f[2], CultureInfo.InvariantCulture), f[3], f[4], f[5],
    IPEndPoint.Parse(f[6]), int.Parse(f[7], CultureInfo.InvariantCulture))).ToList();
foreach (var end in ends)
{
    relay.Attach(end);
}

Console.WriteLine($"attached {ends.Count} ends in {started.Elapsed.TotalSeconds:F3} s");
await app.WaitForShutdownAsync();
return 0;
