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
[ ${#want[@]} -eq 0 ] && exit 0
echo "installing: ${want[*]}"
apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >/dev/null
