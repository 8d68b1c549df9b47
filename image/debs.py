"""The Debian packages the card installs offline at first boot, fetched for the Pi.

Raspberry Pi OS Lite (Bookworm) lacks hostapd, dnsmasq, batctl and chrony. 64-bit
Raspberry Pi OS is Debian bookworm arm64 plus Raspberry Pi's own packages, so Debian's
arm64 builds of these run on it. `fetch` downloads them with apt, from the host's own apt
sources (no mirror is named here), into a private apt root: the host's package lists,
cache, dpkg status and architectures are left as they were. The .deb files stay in a
cache folder, so the next build runs offline.

Which packages: `PACKAGES` is the whole list, fetched exactly (no dependency solving).
Every Depends and Pre-Depends of every fetched package must be in `PACKAGES` or in
`ON_LITE` (what Raspberry Pi OS Lite already has, each with the reason it is there);
`check` refuses anything else, so a Debian update that adds a dependency stops the build
instead of making a card whose first boot fails. A library Lite surely has is not
fetched: installing Debian's copy could downgrade Raspberry Pi OS's newer one.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

RELEASE = "bookworm"  # the Raspberry Pi OS (Debian) release the card runs
COMPONENT = "main"  # every package below is in Debian's main
ARCHES = {"arm64": "arm64", "aarch64": "arm64"}  # --arch spellings that --fetch-debs takes

# Fetched: what the card's units run, and the libraries Raspberry Pi OS Lite may lack.
PACKAGES = {
    "hostapd": "the phones' access point (raceflags-ap.service)",
    "dnsmasq-base": "DHCP and race.lan for phones (raceflags-dhcp.service); only the "
                    "binary: Debian's dnsmasq service is not wanted",
    "batctl": "inspecting the batman-adv mesh (batctl o, batctl n)",
    "chrony": "the track's clock (raceflags-time.service)",
    "libnetfilter-conntrack3": "dnsmasq-base; nothing Lite surely has brings it (fetched to "
                               "be safe: where Lite has it, the same version reinstalls)",
    "libnfnetlink0": "libnetfilter-conntrack3 (as above)",
}

# Not fetched: the dependencies of PACKAGES that Raspberry Pi OS Lite Bookworm has. Its
# root is a debootstrap of Priority required + important (pi-gen stage0) plus pi-gen's
# package lists (ssh, wpasupplicant, network-manager, ...). Chosen from Debian bookworm's
# Depends and Priority fields and pi-gen's lists, not from a Lite card's dpkg status: a
# library named here only because of a guess would be a bug, so each says why.
ON_LITE = {
    "libc6": "Priority required",
    "passwd": "Priority required",
    "tzdata": "Priority required",
    "init-system-helpers": "Priority required",
    "adduser": "Priority important",
    "iproute2": "Priority important",
    "libnftables1": "nftables (Priority important)",
    "libmnl0": "libnftables1",
    "libedit2": "openssh-client and nftables",
    "ucf": "openssh-server (ssh is in Lite)",
    "libcap2": "systemd",
    "libseccomp2": "systemd and apt",
    "libssl3": "systemd and openssh",
    "libgnutls30": "apt (Priority required)",
    "libnettle8": "libgnutls30",
    "libhogweed6": "libgnutls30",
    "libgmp10": "libgnutls30",
    "libidn2-0": "libgnutls30",
    "libdbus-1-3": "dbus and wpasupplicant",
    "libnl-3-200": "wpasupplicant (Lite's Wi-Fi)",
    "libnl-genl-3-200": "wpasupplicant",
    "libnl-route-3-200": "wpasupplicant",
}

HOST_APT = Path("/etc/apt")


class DebsError(RuntimeError):
    pass


@dataclass
class Source:
    """One apt source entry (one-line or deb822), as apt reads it."""

    types: list[str]
    uris: list[str]
    suites: list[str]
    components: list[str]
    options: dict[str, str] = field(default_factory=dict)  # lower-case deb822 names
    origin: str = ""  # the file it came from

    def deb822(self) -> str:
        fields = {"Types": " ".join(self.types), "URIs": " ".join(self.uris),
                  "Suites": " ".join(self.suites),
                  "Components": " ".join(self.components)}
        fields.update({_DEB822_NAMES.get(k, k): v for k, v in self.options.items()})
        lines = [f"# from {self.origin}"] if self.origin else []
        for name, value in fields.items():
            first, *rest = value.split("\n")
            lines.append(f"{name}: {first}")
            lines += [f" {line}" if line.strip() else " ." for line in rest]
        return "\n".join(lines) + "\n"


# One-line option names and their deb822 field names.
_ONE_LINE_OPTIONS = {"arch": "architectures", "signed-by": "signed-by",
                     "trusted": "trusted", "lang": "languages", "target": "targets",
                     "pdiffs": "pdiffs", "by-hash": "by-hash", "check-valid-until":
                     "check-valid-until", "allow-insecure": "allow-insecure"}
_DEB822_NAMES = {"architectures": "Architectures", "signed-by": "Signed-By",
                 "trusted": "Trusted", "languages": "Languages", "targets": "Targets",
                 "pdiffs": "PDiffs", "by-hash": "By-Hash", "enabled": "Enabled",
                 "check-valid-until": "Check-Valid-Until", "allow-insecure": "Allow-Insecure"}


def parse_one_line(text: str, origin: str = "") -> list[Source]:
    """Entries of a sources.list (`deb [opt=v ...] URI SUITE COMPONENT...`)."""
    found = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        options: dict[str, str] = {}
        match = re.match(r"^(\S+)\s+\[([^\]]*)\]\s+(.*)$", line)
        if match:
            kind, opts, rest = match.groups()
            for opt in opts.split():
                name, _, value = opt.partition("=")
                name = name.rstrip("+-")  # arch+=, arch-= are treated as arch=
                options[_ONE_LINE_OPTIONS.get(name, name)] = value.replace(",", " ")
        else:
            kind, _, rest = line.partition(" ")
        words = rest.split()
        if len(words) < 2:
            continue
        found.append(Source([kind], [words[0]], [words[1]], words[2:], options, origin))
    return found


def parse_deb822(text: str, origin: str = "") -> list[Source]:
    """Entries of a deb822 .sources file (paragraphs of Types, URIs, Suites, ...)."""
    found = []
    for paragraph in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        name = ""
        for raw in paragraph.splitlines():
            if raw.startswith("#"):
                continue
            if raw[:1] in (" ", "\t") and name:  # a continuation line
                more = raw.strip()
                fields[name] += "\n" + ("" if more == "." else more)
            elif ":" in raw:
                name, _, value = raw.partition(":")
                name = name.strip().lower()
                fields[name] = value.strip()
        if not fields.get("types") or not fields.get("uris") or not fields.get("suites"):
            continue
        options = {k: v for k, v in fields.items()
                   if k not in ("types", "uris", "suites", "components")}
        found.append(Source(fields["types"].split(), fields["uris"].split(),
                            fields["suites"].split(), fields.get("components", "").split(),
                            options, origin))
    return found


def read_sources(paths: list[Path]) -> list[Source]:
    """Every entry of these files, each read as its name says (.sources: deb822)."""
    found = []
    for path in paths:
        text = path.read_text()
        parse = parse_deb822 if path.suffix == ".sources" else parse_one_line
        found += parse(text, str(path))
    return found


def host_source_files(etc: Path = HOST_APT) -> list[Path]:
    """The files apt itself reads: sources.list, and sources.list.d/*.list and *.sources."""
    files = [etc / "sources.list"] if (etc / "sources.list").is_file() else []
    parts = etc / "sources.list.d"
    if parts.is_dir():
        files += sorted(p for p in parts.iterdir()
                        if p.suffix in (".list", ".sources") and p.is_file())
    return files


def for_release(sources: list[Source], arch: str, release: str = RELEASE) -> list[Source]:
    """The binary entries of `release` (and its -updates, -security) with main, for arch.

    Anything else (source entries, disabled ones, other releases, other archives such as
    a vendor's own repository, entries limited to other architectures) is left out.
    """
    kept = []
    for src in sources:
        if "deb" not in src.types or src.options.get("enabled", "yes").lower() == "no":
            continue
        arches = src.options.get("architectures", "").split()
        if arches and arch not in arches:
            continue
        suites = [s for s in src.suites if re.fullmatch(rf"{release}(-[a-z]+)?", s)
                  and not s.endswith("-backports")]
        if not suites or COMPONENT not in src.components:
            continue
        options = {k: v for k, v in src.options.items() if k != "architectures"}
        kept.append(Source(["deb"], src.uris, suites, [COMPONENT], options, src.origin))
    return kept


@dataclass(frozen=True)
class AptRoot:
    """A private apt: its own lists, cache, sources and (empty) dpkg status."""

    root: Path
    arch: str

    def command(self, *args: str) -> list[str]:
        r = self.root
        conf = {
            "Dir::State": r / "state",
            "Dir::State::status": r / "state" / "status",
            "Dir::Cache": r / "cache",
            "Dir::Cache::pkgcache": "",
            "Dir::Cache::srcpkgcache": "",
            "Dir::Etc::SourceList": r / "sources.list",
            "Dir::Etc::SourceParts": r / "sources.list.d",
            "Dir::Etc::Preferences": r / "preferences",
            "Dir::Etc::PreferencesParts": r / "preferences.d",
            "APT::Architecture": self.arch,
            "APT::Architectures": self.arch,
            "APT::Get::List-Cleanup": "true",
            "Acquire::Languages": "none",
            # apt drops to _apt for downloads when root; it could not write here.
            "APT::Sandbox::User": pwd.getpwuid(os.getuid()).pw_name,
        }
        opts = [a for k, v in conf.items() for a in ("-o", f"{k}={v}")]
        return ["apt-get", "-q", *opts, *args]

    def prepare(self, sources: list[Source]) -> None:
        for sub in ("state/lists/partial", "cache/archives/partial", "sources.list.d",
                    "preferences.d"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "state" / "status").touch()
        (self.root / "sources.list").write_text("")
        (self.root / "preferences").write_text("")
        for old in (self.root / "sources.list.d").glob("*"):
            old.unlink()
        (self.root / "sources.list.d" / f"raceflags-{RELEASE}.sources").write_text(
            "\n".join(s.deb822() for s in sources))


@dataclass(frozen=True)
class Deb:
    path: Path
    package: str
    version: str
    architecture: str
    depends: list[list[str]]  # clauses of alternatives, package names only

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def default_cache(arch: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base, "raceflags", f"debs-{arch}")


def describe() -> str:
    """What --fetch-debs fetches and why, for the build's progress output."""
    return "\n".join(f"      {name}: {why}" for name, why in PACKAGES.items())


def fetch(cache: Path, arch: str = "arm64", sources: list[Path] | None = None,
          log=print) -> list[Deb]:
    """The .debs of PACKAGES for arch: from the cache, or downloaded into it first."""
    if arch not in ARCHES:
        raise DebsError(f"--fetch-debs is for 64-bit Raspberry Pi OS (arm64), not {arch}: "
                        "Raspberry Pi OS's 32-bit armhf is not Debian's armhf. Download "
                        "the packages on such a Pi and give them with --debs DIR")
    arch = ARCHES[arch]
    folder = cache / "debs"
    have = cached(folder)
    missing = [p for p in PACKAGES if p not in have]
    if not missing:
        log(f"      all {len(PACKAGES)} packages are in {folder} (offline; delete the "
            "folder to fetch newer ones)")
    else:
        for tool in ("apt-get", "dpkg-deb"):
            if not shutil.which(tool):
                raise DebsError(f"--fetch-debs needs {tool} (a Debian host); or download "
                                "the packages on a Pi and give them with --debs DIR")
        files = host_source_files() if sources is None else sources
        entries = for_release(read_sources(files), arch)
        if not entries:
            raise DebsError(
                f"no apt source for Debian {RELEASE} ({COMPONENT}) in "
                f"{', '.join(map(str, files)) or 'no files'}: give one with --apt-sources "
                f"FILE (a line such as 'deb MIRROR/debian {RELEASE} main'), or use --debs")
        log(f"      from {', '.join(sorted({u for e in entries for u in e.uris}))} "
            f"({', '.join(sorted({s for e in entries for s in e.suites}))}), "
            f"into a private apt root in {cache / 'apt'}")
        apt = AptRoot(cache / "apt", arch)
        apt.prepare(entries)
        _run(apt.command("update"), f"apt-get update ({arch}, private lists)")
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            _run(apt.command("download", *missing), "apt-get download", cwd=tmp)
            for deb in Path(tmp).glob("*.deb"):
                name = deb.name.split("_")[0]
                for old in folder.glob(f"{name}_*.deb"):
                    old.unlink()
                shutil.move(deb, folder / deb.name)
        have = cached(folder)
    debs = [inspect(have[p]) for p in PACKAGES if p in have]
    check(debs, arch)
    return debs


def cached(folder: Path) -> dict[str, Path]:
    """The .deb of each package of PACKAGES in folder (a fetch keeps one of each)."""
    found: dict[str, Path] = {}
    for deb in sorted(folder.glob("*.deb")) if folder.is_dir() else []:
        name = deb.name.split("_")[0]
        if name in PACKAGES:
            found[name] = deb
    return found


def inspect(path: Path) -> Deb:
    names = ("Package", "Version", "Architecture", "Depends", "Pre-Depends")
    done = subprocess.run(["dpkg-deb", "-f", str(path), *names], capture_output=True, check=False,
                          text=True)
    if done.returncode:
        raise DebsError(f"{path} is not a .deb: {done.stderr.strip()}")
    fields = dict.fromkeys(names, "")
    name = ""
    for line in done.stdout.splitlines():
        if line[:1] in (" ", "\t") and name:
            fields[name] += " " + line.strip()
        else:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    depends = parse_depends(", ".join(f for f in (fields["Pre-Depends"], fields["Depends"])
                                      if f))
    return Deb(path, fields["Package"], fields["Version"], fields["Architecture"], depends)


def parse_depends(text: str) -> list[list[str]]:
    """'a (>= 1), b | c:any' -> [['a'], ['b', 'c']]"""
    clauses = []
    for clause in text.split(","):
        names = [re.split(r"[\s(:\[]", alt.strip(), maxsplit=1)[0]
                 for alt in clause.split("|")]
        names = [n for n in names if n]
        if names:
            clauses.append(names)
    return clauses


def check(debs: list[Deb], arch: str) -> None:
    """Every package is there, for arch or all, and needs nothing the card lacks."""
    errors = []
    got = {d.package for d in debs}
    for name in PACKAGES:
        if name not in got:
            errors.append(f"{name}: not fetched")
    for deb in debs:
        if deb.architecture not in (arch, "all"):
            errors.append(f"{deb.path.name}: architecture {deb.architecture}, not {arch}")
        if deb.package not in PACKAGES:
            errors.append(f"{deb.path.name}: package {deb.package!r} is not in the list")
        for clause in deb.depends:
            if not any(n in PACKAGES or n in ON_LITE for n in clause):
                errors.append(f"{deb.package} {deb.version} needs {' | '.join(clause)}, "
                              "which is neither fetched nor on Raspberry Pi OS Lite "
                              "(image/debs.py: add it to PACKAGES or ON_LITE)")
    if errors:
        raise DebsError("the Debian packages for the card:\n  " + "\n  ".join(errors))


def _run(args: list[str], what: str, cwd: str | None = None) -> None:
    done = subprocess.run(args, capture_output=True, text=True, cwd=cwd, check=False)
    if done.returncode:
        raise DebsError(f"{what} failed:\n{(done.stderr or done.stdout).strip()[-2000:]}")
