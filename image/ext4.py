"""Files on the ext4 root partition through e2fsprogs' debugfs, without mounting it.

debugfs reaches the partition inside the image file with `IMAGE?offset=N`. One batch
of commands writes everything; each file then gets root ownership and its mode set
explicitly, since debugfs would otherwise copy the builder's own uid.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from image.partitions import Partition
from image.render import File, Link


class Ext4Error(RuntimeError):
    pass


@dataclass(frozen=True)
class Entry:
    """What debugfs says of one path: its kind, mode, owner and, for links, the target."""

    kind: str  # "regular", "directory", "symlink"
    mode: int
    uid: int
    gid: int
    target: str = ""


def _device(image: Path, part: Partition) -> str:
    return f"{image}?offset={part.start}"


def _debugfs(image: Path, part: Partition, commands: list[str], write: bool = False) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".debugfs") as script:
        script.write("\n".join(commands) + "\n")
        script.flush()
        args = ["debugfs", *(["-w"] if write else []), "-f", script.name,
                _device(image, part)]
        done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode:
        raise Ext4Error(f"debugfs failed: {done.stderr.strip()}")
    return done.stdout + done.stderr


def _parents(paths: list[str]) -> list[str]:
    dirs = {str(p) for path in paths for p in PurePosixPath(path).parents if str(p) != "/"}
    return sorted(dirs, key=lambda d: (d.count("/"), d))


def write(image: Path, part: Partition, files: list[File], links: list[Link]) -> None:
    """Put files and symlinks in place, replacing what is there, made dirs root's 0755."""
    dirs = _parents([f.path for f in files] + [ln.path for ln in links])
    existing = stat(image, part, dirs)
    with tempfile.TemporaryDirectory() as tmp:
        cmds = []
        for d in dirs:
            if existing[d] is None:
                cmds += [f"mkdir {d}", f"sif {d} uid 0", f"sif {d} gid 0"]
        for i, f in enumerate(files):
            local = Path(tmp, str(i))
            local.write_bytes(f.data)
            cmds += [f"rm {f.path}", f"write {local} {f.path}",
                     f"sif {f.path} mode 0{0o100000 | f.mode:o}",
                     f"sif {f.path} uid 0", f"sif {f.path} gid 0"]
        for ln in links:
            cmds += [f"rm {ln.path}", f"symlink {ln.path} {ln.target}"]
        out = _debugfs(image, part, cmds, write=True)
    # "rm" of a path not yet there is expected; any other complaint is a failure.
    bad = [line for line in out.splitlines()
           if not line.startswith("debugfs") and "File not found by ext2_lookup" not in line
           and not line.startswith("Allocated inode")]
    if bad:
        raise Ext4Error("debugfs: " + "; ".join(bad))


_STAT = re.compile(r"Type: (\w+)\s+Mode:\s+(\d+).*?User:\s+(\d+)\s+Group:\s+(\d+)"
                   r"(?:.*?Fast link dest: \"(.*?)\")?", re.S)


def stat(image: Path, part: Partition, paths: list[str]) -> dict[str, Entry | None]:
    """Entry of each path, None where it does not exist; one debugfs run for all."""
    out = _debugfs(image, part, [f"stat {p}" for p in paths])
    # debugfs echoes each command as "debugfs: stat PATH" before its answer.
    chunks = re.split(r"^debugfs: stat (.*)$", out, flags=re.M)
    result: dict[str, Entry | None] = {p: None for p in paths}
    for path, text in zip(chunks[1::2], chunks[2::2], strict=True):
        m = _STAT.search(text)
        if m:
            result[path] = Entry(m[1], int(m[2], 8), int(m[3]), int(m[4]), m[5] or "")
    return result


def read(image: Path, part: Partition, paths: list[str]) -> dict[str, bytes]:
    """The content of each regular file, dumped in one debugfs run."""
    with tempfile.TemporaryDirectory() as tmp:
        _debugfs(image, part, [f"dump {p} {tmp}/{i}" for i, p in enumerate(paths)])
        return {p: Path(tmp, str(i)).read_bytes() for i, p in enumerate(paths)
                if Path(tmp, str(i)).exists()}
