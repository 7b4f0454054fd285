#!/usr/bin/env bash
# Builds the three programs into dist/: meshnet (the CNI plugin, NativeAOT), meshnetd and meshnetctl.
#   ./build.sh [OUT]            the programs into OUT (default dist/)
#   ./build.sh --image [OUT]    and the node image OUT/meshnet-image.tar (docker-archive, tagged meshnet:dev), built
#                               without a registry or container engine: load it with `ctr -n k8s.io images import`
#                               or `podman load -i`
set -euo pipefail
cd "$(dirname "$0")"
image=0
if [ "${1:-}" = --image ]; then image=1; shift; fi
out="${1:-dist}"
mkdir -p "$out"
# NativeAOT for the short-lived programs: the plugin runs per pod, meshnetctl per command (start-up is most of `lab down`).
dotnet publish src/Meshnet.Cni -c Release -o "$out" --nologo -v quiet
dotnet publish src/Meshnet.Ctl -c Release -o "$out" --nologo -v quiet -p:PublishAot=true -p:SelfContained=true
# The daemon is long-lived and hosts ASP.NET Core: framework-dependent single file, ReadyToRun for a quick first request.
dotnet publish src/Meshnet.Daemon -c Release -o "$out" --nologo -v quiet -p:PublishSingleFile=true --self-contained false -p:PublishReadyToRun=true
rm -f "$out"/*.pdb "$out"/*.dbg "$out"/*.xml
echo "built: $(cd "$out" && ls meshnet meshnetd meshnetctl | tr '\n' ' ')-> $out/"

if [ "$image" = 1 ]; then
  # The image has no .NET runtime: there the daemon is self-contained (the runtime inside its single file), beside the
  # same NativeAOT plugin and meshnetctl (with SQLite's native library, for `meshnetctl lab` inside the pod).
  stage="$(mktemp -d)"
  trap 'rm -rf "$stage"' EXIT
  # Its own artifacts dir: sharing obj/ with the framework-dependent publish above would let each reuse the other's
  # ReadyToRun output (a dist/meshnetd that aborts at start looking for a composite meshnetd.r2r.dll).
  dotnet publish src/Meshnet.Daemon -c Release -r linux-x64 -o "$stage/daemon" --nologo -v quiet -p:PublishSingleFile=true \
    --self-contained true -p:PublishReadyToRun=true -p:IncludeNativeLibrariesForSelfExtract=false --artifacts-path "$stage/artifacts"
  mkdir "$stage/bin"
  cp "$out/meshnet" "$out/meshnetctl" "$out/libe_sqlite3.so" "$stage/bin/"
  # the daemon's single file and the few native libraries the runtime keeps beside it
  find "$stage/daemon" -maxdepth 1 -type f \( -name meshnetd -o -name '*.so' \) -exec cp {} "$stage/bin/" \;
  python3 deploy/image/mkimage.py "$out/meshnet-image.tar" meshnet:dev "$stage/bin"
fi
