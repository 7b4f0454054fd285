using System.CommandLine;
using Meshnet.Ctl.Commands;

namespace Meshnet.Ctl;

internal static class Program
{
    public static Task<int> Main(string[] args)
    {
        var store = new Option<string>("--store")
        {
            Description = "Where topologies live: sqlite:PATH (default $MESHNET_STORE or sqlite:/var/lib/meshnet/meshnet.db)",
            Recursive = true,
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MESHNET_STORE") is { Length: > 0 } s ? s : Store.StoreFactory.DefaultSpec,
        };
        var root = new RootCommand("meshnetctl: run and inspect meshnet topologies") { store };
        root.Subcommands.Add(LabCommands.Create(store));
        foreach (var command in TopologyCommands.Create(store))
        {
            root.Subcommands.Add(command);
        }

        return root.Parse(args).InvokeAsync();
    }
}
