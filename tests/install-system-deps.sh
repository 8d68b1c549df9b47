#!/usr/bin/env bash
# System packages the tests need (network namespaces, nftables, the browser, image tools).
# Installed only when running as root and only what is missing; elsewhere those tests skip.
set -u
[ "$(id -u)" -eq 0 ] || { echo "not root: skipping system packages (their tests will skip)"; exit 0; }
command -v apt-get >/dev/null || exit 0
want=()
command -v ip >/dev/null        || want+=(iproute2)
command -v nft >/dev/null       || want+=(nftables)
command -v chromium >/dev/null  || want+=(chromium)
# image/ builder and its config checks (chrony is left out: its package would start chronyd)
command -v mcopy >/dev/null          || want+=(mtools)
command -v mkfs.vfat >/dev/null      || want+=(dosfstools)
command -v sfdisk >/dev/null         || want+=(fdisk)
command -v debugfs >/dev/null        || want+=(e2fsprogs)
command -v dnsmasq >/dev/null        || want+=(dnsmasq-base)
command -v hostapd >/dev/null        || want+=(hostapd)
command -v wpa_supplicant >/dev/null || want+=(wpasupplicant)
command -v shellcheck >/dev/null     || want+=(shellcheck)
command -v systemd-analyze >/dev/null || want+=(systemd)
command -v faketime >/dev/null      || want+=(faketime)   # a post whose clock is hours off
[ ${#want[@]} -eq 0 ] && exit 0
echo "installing: ${want[*]}"
apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >/dev/null
