"""Build a flashable SD image for one node: `python -m image.build --base FILE --role ROLE`.

No root and no loop mounts: the base image is copied, then its FAT boot partition is
written with mtools and its ext4 root with debugfs, and every file is read back.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from image import base, debs, ext4, fat, wheelhouse
from image.partitions import PartitionError, boot_and_root
from image.render import File, Layout, layout
from image.spec import AP_SECURITY, ETH_MODES, ImageSpec, NodePlan, plan, validate
from image.track import TrackError, TrackSecrets, default_path, passphrase
from image.track import load as load_track
from image.track import save as save_track

TOOLS = {"mcopy": "mtools", "debugfs": "e2fsprogs"}


class Progress:
    """Numbered steps with the time since the start, on stderr."""

    def __init__(self, steps: int):
        self.steps, self.step, self.start = steps, 0, time.monotonic()
        self.shown = -1

    def __call__(self, message: str) -> None:
        self.step += 1
        print(f"[{self.step}/{self.steps}] {message} ({time.monotonic() - self.start:.1f} s)",
              file=sys.stderr, flush=True)

    def fraction(self, done: float) -> None:
        tenth = int(done * 10)
        if tenth != self.shown:
            self.shown = tenth
            print(f"      {tenth * 10}%", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m image.build", description=__doc__.splitlines()[0])
    p.add_argument("--base", default="", help="Raspberry Pi OS Lite .img or .img.xz")
    p.add_argument("--role", default="", help="control, sector, semaphore or repeater")
    p.add_argument("--sector", default="0", help="the post's sector (role sector)")
    p.add_argument("--index", type=int, default=1,
                   help="which semaphore or repeater (1..49): picks its address")
    p.add_argument("--out", type=Path, help="the image to write (default build/raceflags-ID.img)")
    p.add_argument("--node-id", default="", help="default: control, sector-N, repeater-N ...")
    p.add_argument("--sectors", type=int, default=3, help="sectors of the track (race.sectors)")
    p.add_argument("--track-secrets", type=Path, default=None,
                   help=f"the track's shared secrets, made on first use (default {default_path()})")
    ap = p.add_mutually_exclusive_group()
    ap.add_argument("--ap", dest="ap", action="store_true", default=None,
                    help="serve phones (default for control and repeater)")
    ap.add_argument("--no-ap", dest="ap", action="store_false")
    p.add_argument("--ssid", default="RACE")
    p.add_argument("--ap-security", default="wpa2", help="/".join(AP_SECURITY))
    p.add_argument("--ap-passphrase-file", type=Path,
                   help="take the phones' passphrase from this file (the same on every access "
                        "point lets phones roam); default: a new one for this build")
    p.add_argument("--ap-channel", type=int, default=11)
    p.add_argument("--mesh-channel", type=int, default=1)
    p.add_argument("--country", default="GB", help="regulatory domain, ISO 3166 code")
    p.add_argument("--mesh-iface", default="wlan0", help="onboard radio: the mesh")
    p.add_argument("--ap-iface", default="wlan1", help="USB radio: the phones' access point")
    p.add_argument("--eth-iface", default="eth0")
    p.add_argument("--eth-mode", default="none", help="/".join(ETH_MODES))
    p.add_argument("--open-mesh", action="store_true",
                   help="no IBSS RSN on the mesh link (for drivers that cannot)")
    p.add_argument("--subnet", default="10.42.0.0/16")
    p.add_argument("--control-name", default="race.lan")
    p.add_argument("--hw-driver", default="auto")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="any other raceflags.toml key (TOML value), repeatable")
    p.add_argument("--wheelhouse", type=Path,
                   help="use these prepared wheels (with a raceflags wheel), no download")
    p.add_argument("--arch", default="aarch64", choices=sorted(set(wheelhouse.PLATFORMS)
                                                               | set(debs.ARCHES)),
                   help="the Pi's platform, for downloaded wheels and --fetch-debs "
                        "(aarch64, also called arm64: 64-bit Raspberry Pi OS; or armv7l)")
    p.add_argument("--extra-wheels", type=Path, metavar="DIR",
                   help="more wheels for the Pi, such as rpi_ws281x built on a Pi "
                        "(installed at first boot when present)")
    dp = p.add_mutually_exclusive_group()
    dp.add_argument("--debs", type=Path,
                    help="folder of .deb files (hostapd, dnsmasq, batctl, chrony and what they "
                         "need) installed offline at first boot")
    dp.add_argument("--fetch-debs", action="store_true",
                    help="download those packages for arm64 from the host's apt sources "
                         "(Debian bookworm) with a private apt root, into --debs-cache")
    p.add_argument("--debs-cache", type=Path, metavar="DIR",
                   help="where --fetch-debs keeps its apt root and .debs, so later builds "
                        f"run offline (default {debs.default_cache('arm64')})")
    p.add_argument("--apt-sources", type=Path, action="append", metavar="FILE",
                   help="apt sources for --fetch-debs (.list or deb822 .sources), "
                        "repeatable; default: the host's /etc/apt/sources.list{,.d/*}")
    args = p.parse_args(argv)
    args.arch = {"arm64": "aarch64"}.get(args.arch, args.arch)  # Debian's name, pip's name
    return args


def parse_settings(items: list[str]) -> tuple[dict, list[str]]:
    settings: dict[str, dict] = {}
    errors = []
    for item in items:
        key, eq, raw = item.partition("=")
        section, dot, name = key.partition(".")
        if not (eq and dot and section and name):
            errors.append(f"--set {item!r}: expected SECTION.KEY=VALUE")
            continue
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw  # a bare word: take it as a string
        settings.setdefault(section, {})[name] = value
    return settings, errors


def spec_from(args: argparse.Namespace, phrase: str, settings: dict) -> ImageSpec:
    return ImageSpec(
        role=args.role, sector=args.sector, index=args.index, node_id=args.node_id,
        sectors=args.sectors, ap=args.ap, ssid=args.ssid, ap_security=args.ap_security,
        ap_passphrase=phrase, ap_channel=args.ap_channel, mesh_channel=args.mesh_channel,
        country=args.country, mesh_iface=args.mesh_iface, ap_iface=args.ap_iface,
        eth_iface=args.eth_iface, eth_mode=args.eth_mode, mesh_encryption=not args.open_mesh,
        subnet=args.subnet, control_name=args.control_name, hw_driver=args.hw_driver,
        settings=settings)


def fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.base:
        return fail(base.HOW_TO_GET_ONE)
    base_path = Path(args.base)
    if not base_path.is_file():
        return fail(f"base image {base_path} not found.\n\n{base.HOW_TO_GET_ONE}")
    missing = [f"{tool} (Debian package {pkg})" for tool, pkg in TOOLS.items()
               if not shutil.which(tool)]
    if missing:
        return fail("missing tools: " + ", ".join(missing))

    secrets_path = args.track_secrets or default_path()
    try:
        known = load_track(secrets_path)
    except TrackError as exc:
        return fail(str(exc))
    track = known or TrackSecrets.generate()
    settings, errors = parse_settings(args.set)
    phrase = passphrase()
    if args.ap_passphrase_file:
        try:
            phrase = args.ap_passphrase_file.read_text().strip()
        except OSError as exc:
            errors.append(f"--ap-passphrase-file: {exc.strerror}: {args.ap_passphrase_file}")
    spec = spec_from(args, phrase, settings)
    errors += validate(spec, track.mesh_key) + deb_errors(args)
    if errors:
        return fail("the image cannot be built:\n  " + "\n  ".join(errors))
    if known is None:
        save_track(secrets_path, track)
        print(f"new track: its secrets are in {secrets_path} (keep that file: every card of "
              "this track is built from it)", file=sys.stderr)

    node = plan(spec)
    out = args.out or Path("build", f"raceflags-{node.node_id}.img")
    if out.resolve() == base_path.resolve():
        return fail("--out must not be the base image")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        build(spec, node, track, base_path, out, args)
    except (PartitionError, ext4.Ext4Error, wheelhouse.WheelhouseError,
            debs.DebsError) as exc:
        out.unlink(missing_ok=True)
        return fail(f"build failed: {exc}", 1)
    except subprocess.CalledProcessError as exc:  # mtools: a full or damaged boot partition
        out.unlink(missing_ok=True)
        return fail(f"build failed: {exc.cmd[0]}: {exc.stderr.decode().strip()}", 1)
    report(spec, node, out)
    return 0


def deb_errors(args: argparse.Namespace) -> list[str]:
    errors = []
    if args.fetch_debs and args.arch not in debs.ARCHES:
        errors.append(f"--fetch-debs takes Debian's arm64 packages, for 64-bit Raspberry Pi "
                      f"OS only (not --arch {args.arch}): give 32-bit ones with --debs DIR")
    if not args.fetch_debs and (args.debs_cache or args.apt_sources):
        errors.append("--debs-cache and --apt-sources go with --fetch-debs")
    if args.debs and not sorted(args.debs.glob("*.deb")):
        errors.append(f"--debs: no .deb files in {args.debs}")
    for path in args.apt_sources or []:
        if not path.is_file():
            errors.append(f"--apt-sources: no file {path}")
    return errors


def card_debs(args: argparse.Namespace, progress: Progress) -> list[Path]:
    """The .deb files for the card: --debs DIR, fetched with --fetch-debs, or none."""
    if args.debs:
        return sorted(args.debs.glob("*.deb"))
    if not args.fetch_debs:
        return []
    cache = args.debs_cache or debs.default_cache("arm64")
    progress(f"taking {len(debs.PACKAGES)} Debian bookworm arm64 packages that Raspberry Pi "
             f"OS Lite lacks (the list: image/debs.py; cache {cache})")
    print(debs.describe(), file=sys.stderr, flush=True)
    found = debs.fetch(cache, args.arch, args.apt_sources,
                       log=lambda line: print(line, file=sys.stderr, flush=True))
    print(f"      {len(found)} packages, {sum(d.size for d in found) / 1e6:.1f} MB: "
          + ", ".join(f"{d.package} {d.version}" for d in found), file=sys.stderr, flush=True)
    return [d.path for d in found]


def build(spec: ImageSpec, node: NodePlan, track: TrackSecrets, base_path: Path, out: Path,
          args: argparse.Namespace) -> None:
    progress = Progress(7 if args.fetch_debs else 6)
    deb_files = card_debs(args, progress)
    files = layout(spec, node, track, spec.ap_passphrase)
    with tempfile.TemporaryDirectory() as tmp:
        wheels_dir = Path(tmp)
        if args.wheelhouse:
            progress(f"taking the wheelhouse from {args.wheelhouse}")
            wheels = wheelhouse.from_dir(args.wheelhouse, wheels_dir)
        else:
            progress(f"building the wheelhouse for {args.arch} (firmware and dependencies)")
            wheels = wheelhouse.build(wheels_dir, args.arch)
        if args.extra_wheels:
            wheels = wheelhouse.add(args.extra_wheels, wheels_dir)
        files.root += bundle(wheels, deb_files)
    progress(f"copying {base_path} to {out}")
    base.copy(base_path, out, progress.fraction)
    boot_part, root_part = boot_and_root(out)
    progress(f"writing {len(files.boot)} files to the boot partition (mtools)")
    for f in files.boot:
        fat.write(out, boot_part, f.path, f.data)
    progress(f"writing {len(files.root)} files and {len(files.links)} links "
             "to the root partition (debugfs)")
    ext4.write(out, root_part, files.root, files.links)
    progress("reading every file back")
    verify(out, files)
    progress("done")


def bundle(wheels: list[Path], deb_files: list[Path]) -> list[File]:
    """The wheelhouse (and .deb packages) as files under /opt/raceflags."""
    found = [File(f"/opt/raceflags/wheels/{w.name}", w.read_bytes()) for w in wheels]
    found.append(File("/opt/raceflags/wheels/BUILD-ID",
                      (wheelhouse.build_id(wheels) + "\n").encode()))
    found += [File(f"/opt/raceflags/debs/{d.name}", d.read_bytes()) for d in deb_files]
    return found


def verify(out: Path, files: Layout) -> None:
    """Read back every file and link written; raise Ext4Error on the first difference."""
    boot_part, root_part = boot_and_root(out)
    for f in files.boot:
        if fat.read(out, boot_part, f.path) != f.data:
            raise ext4.Ext4Error(f"boot:{f.path} reads back different")
    content = ext4.read(out, root_part, [f.path for f in files.root])
    entries = ext4.stat(out, root_part, [f.path for f in files.root]
                        + [ln.path for ln in files.links])
    for f in files.root:
        entry = entries[f.path]
        if content.get(f.path) != f.data or entry is None or entry.mode & 0o7777 != f.mode:
            raise ext4.Ext4Error(f"root:{f.path} reads back different")
    for ln in files.links:
        entry = entries[ln.path]
        if entry is None or entry.target != ln.target:
            raise ext4.Ext4Error(f"root:{ln.path} is not a link to {ln.target}")


def wifi_text(spec: ImageSpec) -> str:
    """The phones' credentials, with the WIFI: string a QR code generator takes."""
    def esc(text: str) -> str:
        return "".join("\\" + c if c in '\\;,:"' else c for c in text)
    kind = "SAE" if spec.ap_security == "wpa3" else "WPA"
    return (f"SSID: {spec.ssid}\nPassphrase: {spec.ap_passphrase}\n"
            f"Security: {spec.ap_security}\n"
            f"WIFI:S:{esc(spec.ssid)};T:{kind};P:{esc(spec.ap_passphrase)};;\n")


def report(spec: ImageSpec, node: NodePlan, out: Path) -> None:
    """Say what was built; the phones' Wi-Fi credentials go to a file beside the image."""
    lines = [f"image: {out}", f"node: {node.node_id} ({spec.role}) at {node.address.ip}",
             f"race control: http://{spec.control_name}/ ({node.control_address})"]
    if spec.serves_phones:
        wifi = out.with_name(out.name + ".wifi.txt")
        fd = os.open(wifi, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(wifi_text(spec))
        lines.append(f"phones: SSID {spec.ssid!r}, passphrase in {wifi}")
    lines.append("flash it: see the README, section 'Flashing a card' "
                 "(Raspberry Pi Imager, 'Use custom', or dd)")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
