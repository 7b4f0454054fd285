#!/usr/bin/env bash
# Builds the three programs into dist/: meshnet (the CNI plugin, NativeAOT), meshnetd and meshnetctl.
set -euo pipefail
cd "$(dirname "$0")"
out="${1:-dist}"
mkdir -p "$out"
# NativeAOT for the short-lived programs: the plugin runs per pod, meshnetctl per command (start-up is most of `lab down`).
dotnet publish src/Meshnet.Cni -c Release -o "$out" --nologo -v quiet
dotnet publish src/Meshnet.Ctl -c Release -o "$out" --nologo -v quiet -p:PublishAot=true -p:SelfContained=true
# The daemon is long-lived and hosts ASP.NET Core: framework-dependent single file, ReadyToRun for a quick first request.
dotnet publish src/Meshnet.Daemon -c Release -o "$out" --nologo -v quiet -p:PublishSingleFile=true --self-contained false -p:PublishReadyToRun=true
rm -f "$out"/*.pdb "$out"/*.dbg "$out"/*.xml
echo "built: $(cd "$out" && ls meshnet meshnetd meshnetctl | tr '\n' ' ')-> $out/"
