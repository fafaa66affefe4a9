#!/usr/bin/env bash
# Checks the Debian packages that the build, the tests and the demo need, and
# installs the missing ones when run as root (CI); quiet when all are there.
set -euo pipefail

# One entry per need; "a|b" is satisfied by either package.
needs=(
	"build-essential|gcc+make"
	"pkg-config|pkgconf"
	libconfig-dev
	liburcu-dev
	libcmocka-dev
	libssl-dev
	python3
	curl
	jq
	openssl
	iproute2
	valgrind
	python3-yaml
	procps
	python3-venv
	python3-pytest
	python3-requests
	python3-redis
	redis-server
	golang-go # the Go client and server of the run --trap tests
	time      # /usr/bin/time: CPU seconds of a trapped client
)
needs+=("$@") # extra packages one target needs (make fuzz: clang)

installed() {
	local status
	status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
	[[ $status == *" installed" ]]
}

# "gcc+make" means every one of those packages.
satisfied() {
	local alt pkg ok
	IFS='|' read -ra alts <<<"$1"
	for alt in "${alts[@]}"; do
		ok=1
		IFS='+' read -ra pkgs <<<"$alt"
		for pkg in "${pkgs[@]}"; do
			installed "$pkg" || { ok=0; break; }
		done
		((ok)) && return 0
	done
	return 1
}

missing=()
for need in "${needs[@]}"; do
	# Install the first spelling: the full meta-package, not the subset.
	satisfied "$need" || missing+=("${need%%|*}")
done
((${#missing[@]} == 0)) && exit 0

if [[ $(id -u) -ne 0 ]]; then
	echo "chaos-shim: missing Debian packages; run: sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
