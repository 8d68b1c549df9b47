"""The Debian packages the card installs at first boot: --fetch-debs and its private apt.

The download from Debian runs only with RACEFLAGS_IMAGE_DOWNLOAD=1. The other tests stay
offline: they read fake apt sources and run a fake apt-get that writes tiny .debs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from image_support import make_deb, need

from image import build, debs, ext4
from image.partitions import boot_and_root

HERE = Path(__file__).resolve().parent
DEAD = "http://127.0.0.1:9/debian"  # nothing listens there: a fetch from it must not happen

ONE_LINE = f"""\
# the host's sources.list
deb {DEAD} bookworm main contrib
deb-src {DEAD} bookworm main
deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \
{DEAD}-security bookworm-security main
deb [arch=amd64] http://vendor.example.invalid/apt bookworm main
deb {DEAD} bookworm-backports main
deb {DEAD} trixie main
"""

DEB822 = f"""\
Types: deb deb-src
# a comment inside the paragraph
URIs: {DEAD}
Suites: bookworm bookworm-updates
Components: main non-free-firmware
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 bWFkZSB1cA==
 -----END PGP PUBLIC KEY BLOCK-----

Types: deb
URIs: http://disabled.example.invalid/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb
URIs: http://other.example.invalid/apt
Suites: nodistro
Components: main
"""


@pytest.fixture
def etc_apt(tmp_path) -> Path:
    etc = tmp_path / "etc-apt"
    (etc / "sources.list.d").mkdir(parents=True)
    (etc / "sources.list").write_text(ONE_LINE)
    (etc / "sources.list.d" / "debian.sources").write_text(DEB822)
    (etc / "sources.list.d" / "old.list.disabled").write_text(f"deb {DEAD}-old bookworm main\n")
    return etc


def test_the_hosts_sources_are_read_as_apt_reads_them(etc_apt):
    files = debs.host_source_files(etc_apt)
    assert [f.name for f in files] == ["sources.list", "debian.sources"]
    every = debs.read_sources(files)
    assert len(every) == 9
    kept = debs.for_release(every, "arm64")
    assert [(e.uris, e.suites, e.components) for e in kept] == [
        ([DEAD], ["bookworm"], ["main"]),
        ([f"{DEAD}-security"], ["bookworm-security"], ["main"]),
        ([DEAD], ["bookworm", "bookworm-updates"], ["main"]),
    ]
    assert all(e.types == ["deb"] for e in kept)
    assert kept[1].options["signed-by"] == "/usr/share/keyrings/debian-archive-keyring.gpg"
    assert "architectures" not in kept[1].options  # apt's own architecture decides
    key = kept[2].options["signed-by"]
    assert key.splitlines() == ["", "-----BEGIN PGP PUBLIC KEY BLOCK-----", "",
                                "bWFkZSB1cA==", "-----END PGP PUBLIC KEY BLOCK-----"]


def test_a_written_entry_reads_back_the_same(etc_apt):
    kept = debs.for_release(debs.read_sources(debs.host_source_files(etc_apt)), "arm64")
    text = "\n".join(e.deb822() for e in kept)
    again = debs.parse_deb822(text)
    assert [(e.types, e.uris, e.suites, e.components, e.options) for e in again] == \
        [(e.types, e.uris, e.suites, e.components, e.options) for e in kept]
    assert "Signed-By: \n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n bWFkZSB1cA==\n" in text


def test_the_private_apt_leaves_the_hosts_apt_alone(tmp_path):
    apt = debs.AptRoot(tmp_path / "apt", "arm64")
    cmd = apt.command("update")
    assert cmd[:2] == ["apt-get", "-q"] and cmd[-1] == "update"
    opts = dict(cmd[i + 1].split("=", 1) for i, a in enumerate(cmd) if a == "-o")
    root = str(tmp_path / "apt")
    for key in ("Dir::State", "Dir::State::status", "Dir::Cache", "Dir::Etc::SourceList",
                "Dir::Etc::SourceParts", "Dir::Etc::Preferences",
                "Dir::Etc::PreferencesParts"):
        assert opts[key].startswith(root + "/"), key
    assert opts["APT::Architecture"] == opts["APT::Architectures"] == "arm64"
    assert not any("/var/lib" in a or "/etc/apt" in a for a in cmd)
    apt.prepare(debs.parse_one_line(f"deb {DEAD} bookworm main\n"))
    assert (tmp_path / "apt/state/status").read_text() == ""
    assert (tmp_path / "apt/sources.list").read_text() == ""
    written = (tmp_path / "apt/sources.list.d/raceflags-bookworm.sources").read_text()
    assert f"URIs: {DEAD}\nSuites: bookworm\n" in written


def test_depends_are_read_as_names():
    assert debs.parse_depends("libc6 (>= 2.34), dbus | dbus-system-bus, python3:any, "
                              "libfoo [arm64]") == \
        [["libc6"], ["dbus", "dbus-system-bus"], ["python3"], ["libfoo"]]


def test_every_dependency_is_fetched_or_on_lite():
    assert not set(debs.PACKAGES) & set(debs.ON_LITE)
    assert {"hostapd", "dnsmasq-base", "batctl", "chrony"} <= set(debs.PACKAGES)


def fake_apt(tmp_path: Path, monkeypatch) -> Path:
    """An apt-get on PATH that logs its arguments and 'downloads' tiny .debs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    script = bin_dir / "apt-get"
    script.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(HERE)!r})
        from image_support import make_deb
        with open({str(log)!r}, "a") as fh:
            fh.write(repr(sys.argv[1:]) + "\\n")
        args = sys.argv[1:]
        arch = [a.split("=")[1] for a in args if a.startswith("APT::Architecture=")][0]
        deps = {{"hostapd": "libc6 (>= 2.34), libnl-route-3-200",
                 "dnsmasq-base": "libnetfilter-conntrack3 (>= 1.0.1), passwd",
                 "libnetfilter-conntrack3": "libnfnetlink0, libmnl0"}}
        if "download" in args:
            for name in args[args.index("download") + 1:]:
                make_deb(Path("."), name, "2:1.0-1" if name == "hostapd" else "1.0-1",
                         arch, deps.get(name, ""))
        """))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def test_a_fetch_uses_the_private_apt_and_then_its_cache(tmp_path, monkeypatch, etc_apt):
    need("dpkg-deb")
    log = fake_apt(tmp_path, monkeypatch)
    cache = tmp_path / "cache"
    sources = debs.host_source_files(etc_apt)
    said: list[str] = []
    found = debs.fetch(cache, "arm64", sources, log=said.append)
    assert [d.package for d in found] == list(debs.PACKAGES)
    assert all(d.architecture == "arm64" and d.path.parent == cache / "debs" for d in found)
    assert found[0].path.name == "hostapd_2%3a1.0-1_arm64.deb"
    calls = [eval(line) for line in log.read_text().splitlines()]
    assert [c[-1] for c in calls[:1]] == ["update"]
    assert calls[1][-len(debs.PACKAGES):] == list(debs.PACKAGES)
    assert any(DEAD in line for line in said)
    assert "trixie" not in (cache / "apt/sources.list.d/raceflags-bookworm.sources").read_text()

    said.clear()
    again = debs.fetch(cache, "aarch64", sources, log=said.append)  # offline now
    assert [d.path for d in again] == [d.path for d in found]
    assert len(log.read_text().splitlines()) == 2
    assert "offline" in said[0]


def test_a_fetch_without_a_bookworm_source_says_what_to_do(tmp_path, monkeypatch):
    need("dpkg-deb")
    fake_apt(tmp_path, monkeypatch)
    other = tmp_path / "other.list"
    other.write_text(f"deb {DEAD} trixie main\n")
    with pytest.raises(debs.DebsError, match="--apt-sources FILE"):
        debs.fetch(tmp_path / "cache", "arm64", [other])


def test_wrong_architectures_and_unknown_dependencies_are_refused(tmp_path):
    folder = tmp_path / "cache" / "debs"
    folder.mkdir(parents=True)
    for name in debs.PACKAGES:
        make_deb(folder, name)
    make_deb(folder, "chrony", arch="amd64")
    (folder / "chrony_1.0-1_arm64.deb").unlink()
    make_deb(folder, "batctl", depends="libc6, libsurprise1 | libother2")
    with pytest.raises(debs.DebsError) as err:
        debs.fetch(tmp_path / "cache", "arm64", [])
    assert "chrony_1.0-1_amd64.deb: architecture amd64, not arm64" in str(err.value)
    assert "batctl 1.0-1 needs libsurprise1 | libother2" in str(err.value)


def test_fetching_for_32_bit_is_refused(tmp_path):
    with pytest.raises(debs.DebsError, match="64-bit"):
        debs.fetch(tmp_path, "armv7l", [])


def run_build(tmp: Path, base: Path, wheels: Path, *args: str):
    out = tmp / "out.img"
    argv = ["--base", str(base), "--out", str(out), "--wheelhouse", str(wheels),
            "--track-secrets", str(tmp / "track.toml"), "--role", "control", *args]
    return build.main(argv), out


def card_debs(image: Path, names: list[str]) -> dict[str, bytes]:
    _, root = boot_and_root(image)
    return ext4.read(image, root, [f"/opt/raceflags/debs/{n}" for n in names])


def test_an_image_carries_the_cached_packages(tmp_path, base_image, wheels, capsys):
    folder = tmp_path / "cache" / "debs"
    folder.mkdir(parents=True)
    made = [make_deb(folder, name) for name in debs.PACKAGES]
    dead = tmp_path / "dead.list"
    dead.write_text(f"deb {DEAD} bookworm main\n")
    rc, out = run_build(tmp_path, base_image, wheels, "--fetch-debs", "--debs-cache",
                        str(tmp_path / "cache"), "--apt-sources", str(dead), "--arch", "arm64")
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "[1/7] taking 6 Debian bookworm arm64 packages" in err
    assert "hostapd: the phones' access point" in err and "offline" in err
    content = card_debs(out, [d.name for d in made])
    assert all(content[f"/opt/raceflags/debs/{d.name}"] == d.read_bytes() for d in made)


@pytest.mark.parametrize("args, message", [
    (["--fetch-debs", "--arch", "armv7l"], "for 64-bit Raspberry Pi OS only"),
    (["--debs-cache", "x"], "go with --fetch-debs"),
    (["--debs", "{empty}"], "--debs: no .deb files"),
])
def test_bad_package_options_build_nothing(tmp_path, base_image, wheels, capsys, args,
                                           message):
    (tmp_path / "empty").mkdir()
    args = [a.format(empty=tmp_path / "empty") for a in args]
    rc, out = run_build(tmp_path, base_image, wheels, *args)
    assert rc == 2 and message in capsys.readouterr().err
    assert not out.exists()


def test_fetch_and_debs_do_not_go_together(tmp_path, base_image, wheels):
    with pytest.raises(SystemExit):
        run_build(tmp_path, base_image, wheels, "--fetch-debs", "--debs", str(tmp_path))


@pytest.mark.skipif(os.environ.get("RACEFLAGS_IMAGE_DOWNLOAD") != "1",
                    reason="downloads from Debian: set RACEFLAGS_IMAGE_DOWNLOAD=1")
def test_the_fetched_packages_are_arm64_and_go_on_the_card(tmp_path, base_image, wheels):
    need("apt-get", "dpkg-deb")
    cache = tmp_path / "cache"
    found = debs.fetch(cache, "arm64")  # the host's own apt sources
    assert sorted(d.package for d in found) == sorted(debs.PACKAGES)
    for deb in found:
        arch = subprocess.run(["dpkg-deb", "-f", str(deb.path), "Architecture"],
                              capture_output=True, text=True, check=True).stdout.strip()
        assert arch in ("arm64", "all"), deb.path.name
    dead = tmp_path / "dead.list"
    dead.write_text(f"deb {DEAD} bookworm main\n")
    rc, out = run_build(tmp_path, base_image, wheels, "--fetch-debs", "--debs-cache",
                        str(cache), "--apt-sources", str(dead))  # offline: from the cache
    assert rc == 0
    content = card_debs(out, [d.path.name for d in found])
    for deb in found:
        assert content[f"/opt/raceflags/debs/{deb.path.name}"] == deb.path.read_bytes()
