// One node, one CNI config directory, one plugin in /usr/lib/cni: the collections (a daemon run on the host, the
// DaemonSet installed from deploy/) must take turns, never overlap.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
