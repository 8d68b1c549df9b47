"""A track's secrets: made once with a cryptographic generator, then reused for every card.

Every node of one track must share the appliance's `mesh_key` and the mesh radio's
SSID and passphrase, so the first build writes them to a file (mode 0600) and later
builds read it back. Lose the file and the next card cannot join the track: keep it
with the club's other keys, never in the repository.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

# Lower-case letters and digits without the look-alikes (0/o, 1/l), in groups of five:
# easy to read off a card and type on a phone, about 5 bits a character.
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def passphrase(groups: int = 4) -> str:
    """A fresh Wi-Fi passphrase such as 'k7mqp-x3vhd-...', 100 bits for 4 groups."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5))
                    for _ in range(groups))


def default_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "raceflags" / "track-secrets.toml"


@dataclass(frozen=True)
class TrackSecrets:
    mesh_key: str  # the appliance's [mesh] mesh_key: 64 hex digits
    mesh_ssid: str  # the IBSS network the nodes' onboard radios join
    mesh_passphrase: str  # its RSN passphrase (wpa_supplicant, IBSS RSN)

    @classmethod
    def generate(cls) -> TrackSecrets:
        return cls(mesh_key=secrets.token_hex(32),
                   mesh_ssid=f"raceflags-mesh-{secrets.token_hex(2)}",
                   mesh_passphrase=passphrase(6))

    def to_toml(self) -> str:
        return ("# Race Flags track secrets: every card of this track is built from this file.\n"
                "# Keep it private and keep a copy; a new file means a new, separate track.\n"
                f'mesh_key = "{self.mesh_key}"\n'
                f'mesh_ssid = "{self.mesh_ssid}"\n'
                f'mesh_passphrase = "{self.mesh_passphrase}"\n')


class TrackError(ValueError):
    pass


def save(path: Path, track: TrackSecrets) -> None:
    """Write a new track file, readable by its owner only; never overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(track.to_toml())


def load(path: Path) -> TrackSecrets | None:
    """The track's secrets from `path`; None if there is no such file yet."""
    if not path.exists():
        return None
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise TrackError(f"{path} is not valid TOML: {exc}") from exc
    problems = []
    if not _HEX64.match(str(data.get("mesh_key", ""))):
        problems.append("mesh_key must be 64 lower-case hex digits")
    if not 1 <= len(str(data.get("mesh_ssid", "")).encode()) <= 32:
        problems.append("mesh_ssid must be 1..32 bytes")
    phrase = str(data.get("mesh_passphrase", ""))
    if not (8 <= len(phrase) <= 63 and all(32 <= ord(c) < 127 for c in phrase)
            and '"' not in phrase):
        problems.append("mesh_passphrase must be 8..63 printable ASCII characters, no '\"'")
    if problems:
        raise TrackError(f"{path}: " + "; ".join(problems))
    return TrackSecrets(data["mesh_key"], data["mesh_ssid"], data["mesh_passphrase"])
