"""SD-card images for Race Flags nodes, built without root or loop mounts.

`python -m image.build` copies a Raspberry Pi OS Lite image, writes the node's
`raceflags.toml` onto its FAT boot partition (mtools) and the firmware wheelhouse,
network configs, scripts and systemd units into its ext4 root (debugfs).
"""

from image.spec import ImageError, ImageSpec, validate
from image.track import TrackError, TrackSecrets

__all__ = ["ImageError", "ImageSpec", "TrackError", "TrackSecrets", "validate"]
