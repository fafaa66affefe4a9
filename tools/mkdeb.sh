#!/usr/bin/env bash
# make deb: a Debian package of the preload library, chaos-shim-ctl, the
# controller library with its header and pkg-config files, the
# profiles, the man pages and the bash completion, built with dpkg-deb
# from a `make install` into a staging root. Its dependencies are the
# packages that hold the shared libraries the three binaries load.
#
#   tools/mkdeb.sh BUILD VERSION    (prints the path of the .deb)
set -euo pipefail

build=$(cd "$1" && pwd)
version=$2
arch=$(dpkg --print-architecture)
stage=$build/deb/chaos-shim_${version}_$arch
deb=$build/chaos-shim_${version}_$arch.deb

rm -rf "$build/deb"
mkdir -p "$stage/DEBIAN"
make --no-print-directory BUILD="$build" PREFIX=/usr DESTDIR="$stage" install >/dev/null

# The package of each shared library the binaries load, libc included.
depends=$(ldd "$stage/usr/lib/libchaos-shim.so" "$stage/usr/lib/libchaos-shim-ctl.so.0" "$stage/usr/bin/chaos-shim-ctl" |
	awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u |
	while read -r lib; do
		dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib"
	done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')

cat >"$stage/DEBIAN/control" <<CONTROL
Package: chaos-shim
Version: $version
Architecture: $arch
Maintainer: chaos-shim developers <chaos-shim@localhost>
Depends: $depends
Section: devel
Priority: optional
Description: network and clock fault injection for unmodified programs
 chaos-shim is a library loaded with LD_PRELOAD that intercepts socket,
 TLS, clock and DNS calls and, following the rules of a profile, delays
 them, resets connections, drops packets, fails calls with a chosen
 errno, shortens reads and writes, caps bandwidth or shifts the clock.
 chaos-shim-ctl runs programs under a profile and changes the rules
 while they run; libchaos-shim-ctl (with its header and pkg-config file)
 does the same from test code.
CONTROL
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "$deb"
