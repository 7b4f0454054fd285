#!/usr/bin/env python3
"""Assemble the meshnet node image as a docker-archive tarball, without a registry or a container engine.

  mkimage.py OUT.tar NAME:TAG STAGE_DIR

Every file in STAGE_DIR goes to /usr/local/bin. The image is FROM scratch: beside the programs it carries exactly
the shared libraries they load, found with ldd (what the dynamic linker maps at start) plus the ones .NET opens with
dlopen at run time (OpenSSL, for the daemon's HTTPS to the API server and its mutual-TLS node API). ICU is left out:
the image runs .NET in invariant globalization mode. `ctr images import` and `podman load` read the result.

Deterministic: fixed mtimes, root ownership, sorted entries, so the same inputs give the same image digest.
"""
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile

# Opened with dlopen by System.Security.Cryptography.Native / System.Net.Security, so ldd cannot see them.
DLOPENED = ["libssl.so.3", "libcrypto.so.3"]

ENV = [
    "PATH=/usr/local/bin:/usr/bin:/bin",
    # Workstation GC: one daemon per node should stay small beside the pods it serves.
    "DOTNET_gcServer=0",
    # No ICU in the image; nothing here formats text for people in their locale.
    "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1",
]


class Layer:
    def __init__(self):
        self.entries = {}

    def _info(self, name, kind, mode):
        ti = tarfile.TarInfo(name)
        ti.type, ti.mode, ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = kind, mode, 0, 0, 0, "root", "root"
        return ti

    def dir(self, name, mode=0o755):
        parts = name.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if parent not in self.entries:
                self.entries[parent] = (self._info(parent, tarfile.DIRTYPE, 0o755), None)
        self.entries[name] = (self._info(name, tarfile.DIRTYPE, mode), None)

    def file(self, name, data, mode=0o644):
        if os.path.dirname(name):
            self.dir(os.path.dirname(name))
        ti = self._info(name, tarfile.REGTYPE, mode)
        ti.size = len(data)
        self.entries[name] = (ti, data)

    def tar(self):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
            for name in sorted(self.entries):
                ti, data = self.entries[name]
                tar.addfile(ti, io.BytesIO(data) if data is not None else None)
        return buf.getvalue()


def is_elf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def ldd(path):
    """The absolute paths the dynamic linker resolves for one ELF file (none for a static one)."""
    r = subprocess.run(["ldd", path], capture_output=True, text=True)
    if r.returncode != 0:
        if "not a dynamic executable" in r.stdout + r.stderr:
            return []
        sys.exit(f"mkimage: ldd {path} failed: {r.stderr.strip()}")
    found = []
    for line in r.stdout.splitlines():
        if "not found" in line:
            sys.exit(f"mkimage: {path} needs a library this machine lacks: {line.strip()}")
        m = re.search(r"(/\S+) \(0x", line)
        if m:
            found.append(m.group(1))
    return found


def locate(soname):
    """The absolute path of a library by soname, from the linker cache."""
    r = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True)
    for line in r.stdout.splitlines():
        parts = line.strip().split(" => ")
        if len(parts) == 2 and parts[0].split(" ")[0] == soname and "x86-64" in parts[0]:
            return parts[1]
    sys.exit(f"mkimage: {soname} not found on this machine (install libssl3)")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    out, ref, stage = sys.argv[1:4]
    layer = Layer()
    for d in ["etc", "proc", "sys", "dev", "run", "root"]:
        layer.dir(d, 0o700 if d == "root" else 0o755)
    layer.dir("tmp", 0o1777)
    layer.file("etc/passwd", b"root:x:0:0:root:/root:/bin/false\n")
    layer.file("etc/group", b"root:x:0:\n")

    libs = set()
    for name in sorted(os.listdir(stage)):
        path = os.path.join(stage, name)
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        layer.file("usr/local/bin/" + name, data, os.stat(path).st_mode & 0o777)
        if is_elf(path):
            libs.update(ldd(path))
    for soname in DLOPENED:
        lib = locate(soname)
        libs.add(lib)
        libs.update(ldd(lib))
    # Each library at the path the linker looks for it (the soname's path, e.g. /lib/x86_64-linux-gnu/libc.so.6),
    # holding the content of the file it links to.
    for lib in sorted(libs):
        with open(os.path.realpath(lib), "rb") as f:
            layer.file(lib.lstrip("/"), f.read(), 0o755)

    layer_tar = layer.tar()
    diff_id = "sha256:" + hashlib.sha256(layer_tar).hexdigest()
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": {
            "Env": ENV,
            "Entrypoint": ["/usr/local/bin/meshnetd"],
            "Cmd": ["--store", "kubernetes", "--health-port", "51112"],
            "WorkingDir": "/",
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "meshnet deploy/image/mkimage.py"}],
    }
    config_json = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    config_name = hashlib.sha256(config_json).hexdigest() + ".json"
    layer_dir = diff_id.split(":")[1]
    repo, tag = ref.rsplit(":", 1)
    outer = Layer()
    outer.file(config_name, config_json)
    outer.file(layer_dir + "/layer.tar", layer_tar)
    outer.file(layer_dir + "/VERSION", b"1.0")
    outer.file("manifest.json", json.dumps([{"Config": config_name, "RepoTags": [ref], "Layers": [layer_dir + "/layer.tar"]}], separators=(",", ":")).encode())
    outer.file("repositories", json.dumps({repo: {tag: layer_dir}}, separators=(",", ":")).encode())
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(outer.tar())
    os.replace(tmp, out)
    print(f"{ref}: {out} ({os.path.getsize(out) // (1024 * 1024)} MiB, {len(libs)} libraries, config sha256:{config_name[:-5]})")


if __name__ == "__main__":
    main()
