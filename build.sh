#!/usr/bin/env bash
# Builds the three programs into dist/: meshnet (the CNI plugin, NativeAOT), meshnetd and meshnetctl.
set -euo pipefail
cd "$(dirname "$0")"
out="${1:-dist}"
mkdir -p "$out"
dotnet publish src/Meshnet.Cni -c Release -o "$out" --nologo -v quiet
for p in Meshnet.Daemon Meshnet.Ctl; do
  # ReadyToRun: precompiled code, so short-lived commands (lab down, apply) do not spend their time in the JIT.
  dotnet publish "src/$p" -c Release -o "$out" --nologo -v quiet -p:PublishSingleFile=true --self-contained false -p:PublishReadyToRun=true
done
rm -f "$out"/*.pdb "$out"/*.dbg
echo "built: $(cd "$out" && ls meshnet meshnetd meshnetctl | tr '\n' ' ')-> $out/"
