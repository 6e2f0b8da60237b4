#!/usr/bin/env bash
# Install, with apt-get, whatever is missing for building (run) or for the
# whole test suite (test).  Safe to run again: it only installs what is not
# there.  Services that Debian's packages would start (nsd, unbound, postfix)
# are kept from starting while they are installed, so they do not take
# port 53 or 25 away from the tests and from mxsecd.
set -eu

what=${1:-run}
build_pkgs=(meson ninja-build gcc pkg-config libssl-dev libevent-dev liblmdb-dev)
test_pkgs=(libcmocka-dev clang libclang-rt-14-dev nsd unbound bind9-utils
	bind9-dnsutils knot-dnsutils ldnsutils openssl faketime
	python3-dnspython man-db groff-base iproute2 procps dnsperf
	postfix python3-aiosmtpd nginx)

pkgs=("${build_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}" >&2
policy=/usr/sbin/policy-rc.d
made_policy=no
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	made_policy=yes
fi
cleanup() { [ "$made_policy" = yes ] && rm -f "$policy"; return 0; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
