#!/usr/bin/env bash
# mxsecd as a service (issue 7): started as root with 'user' set it runs
# as that user with no capability, its API socket and cache belong to the
# user and the cache stays writable; the default user; chroot; sd_notify
# readiness (READY=1, STOPPING=1); and the install tree of
# 'meson install --destdir' (binaries run, the example config checks, the
# unit passes systemd-analyze verify, the man pages render without
# warnings).
# Usage: service.sh PATH-TO-MXSECD BUILD-DIR SOURCE-DIR.  Needs root (77).
set -u
mxsecd=$1 build=$2 src=$3
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root"
	exit 77
fi
for t in python3 dig useradd userdel; do
	command -v "$t" >/dev/null || { echo "SKIP: no $t"; exit 77; }
done

tmp=$(mktemp -d)
chmod 755 "$tmp"
user=mxsec-test-$$
pid= helper=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	[ -n "$helper" ] && kill "$helper" 2>/dev/null
	wait 2>/dev/null
	userdel "$user" >/dev/null 2>&1
	getent group "$user" >/dev/null && groupdel "$user" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
pass() { echo "ok - $1"; }
fail() { echo "not ok - $1"; fails=$((fails + 1)); }

useradd --system --no-create-home --user-group --shell /usr/sbin/nologin \
	"$user" || { echo "cannot create user $user"; exit 1; }
uid=$(id -u "$user") gid=$(id -g "$user")

# The upstream (answers every A query with 192.0.2.1) and the systemd side
# of sd_notify (an abstract datagram socket), in one helper.
cat >"$tmp/helper.py" <<'PY'
import os, selectors, socket, struct, sys
out = sys.argv[1]
dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dns.bind(("127.0.0.1", 0))
ntf = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
ntf.bind("\0" + sys.argv[2])
with open(out + "/upstream.port", "w") as f:
    f.write(str(dns.getsockname()[1]))
sel = selectors.DefaultSelector()
sel.register(dns, selectors.EVENT_READ)
sel.register(ntf, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        s = key.fileobj
        data, peer = s.recvfrom(65535)
        if s is ntf:
            with open(out + "/notify.log", "a") as f:
                f.write(data.decode() + "\n--\n")
            continue
        if len(data) < 12:
            continue
        qid, flags = struct.unpack("!HH", data[:4])
        i = 12
        while data[i] != 0:
            i += data[i] + 1
        q = data[12:i + 5]
        qtype = struct.unpack("!H", data[i + 1:i + 3])[0]
        an = b""
        if qtype == 1:
            an = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes([192, 0, 2, 1])
        hdr = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100), 1,
                          1 if an else 0, 0, 0)
        s.sendto(hdr + q + an, peer)
PY
nsock=mxsec-test-notify-$$
python3 "$tmp/helper.py" "$tmp" "$nsock" &
helper=$!
for _ in $(seq 50); do [ -s "$tmp/upstream.port" ] && break; sleep 0.1; done
uport=$(cat "$tmp/upstream.port")
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# conf FILE DIR PORT [LINE ...]
conf() {
	local file=$1 dir=$2 port=$3
	shift 3
	{
		echo "mode forward"
		echo "forward 127.0.0.1@$uport"
		echo "query-loopback yes"
		echo "domain-insecure ."
		echo "listen-dns 127.0.0.1@$port"
		echo "api-socket $dir/run/mxsecd.sock"
		echo "cache-dir $dir/cache"
		for line in "$@"; do echo "$line"; done
	} >"$file"
}

# start CONF LOG: run mxsecd with NOTIFY_SOCKET, wait for READY=1.
start() {
	: >"$tmp/notify.log"
	NOTIFY_SOCKET=@$nsock "$mxsecd" -f -c "$1" >"$2" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		grep -q '^READY=1' "$tmp/notify.log" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$2"
	return 1
}

stop() {
	kill -TERM "$pid"
	wait "$pid"
	local rc=$?
	pid=
	return $rc
}

status_field() {  # PID FIELD: the values of one /proc/PID/status line
	awk -v f="$2:" '$1 == f { sub(/^[^\t]*\t/, ""); sub(/[ \t]+$/, ""); print }' "/proc/$1/status"
}

# 1. 'user' set: the process, the socket, the cache.
d=$tmp/a
mkdir -p "$d"
port=$(free_port)
conf "$tmp/a.conf" "$d" "$port" "user $user" \
	"auto-trust-anchor-file $d/cache/state/root.key"
if start "$tmp/a.conf" "$tmp/a.log"; then
	pass "READY=1 sent once listening"
	ids="$(status_field "$pid" Uid) / $(status_field "$pid" Gid)"
	want="$uid	$uid	$uid	$uid / $gid	$gid	$gid	$gid"
	[ "$ids" = "$want" ] && pass "runs as $user (uid $uid, gid $gid)" ||
		fail "Uid/Gid: $ids, want $want"
	groups=$(status_field "$pid" Groups)
	[ "$groups" = "$gid" ] && pass "supplementary groups: the user's only" ||
		fail "Groups: '$groups'"
	for f in CapEff CapPrm CapAmb; do
		v=$(status_field "$pid" $f)
		[ "$v" = 0000000000000000 ] && pass "$f is 0" || fail "$f is $v"
	done
	[ "$(status_field "$pid" NoNewPrivs)" = 1 ] && pass "no_new_privs set" ||
		fail "no_new_privs not set"
	s=$(stat -c '%U:%G %a %F' "$d/run/mxsecd.sock")
	[ "$s" = "$user:$user 660 socket" ] && pass "API socket $s" ||
		fail "API socket is '$s'"
	s=$(stat -c '%U' "$d/cache" "$d/cache"/*.mdb "$d/cache/state" | sort -u)
	[ "$s" = "$user" ] && pass "cache dir, its files and the state dir belong to $user" ||
		fail "cache owners: $(stat -c '%n %U' "$d/cache" "$d/cache"/* "$d/cache/state")"
	a=$(dig +short +time=2 +tries=1 -p "$port" @127.0.0.1 mx1.service.test A)
	[ "$a" = 192.0.2.1 ] && pass "answers through the upstream" ||
		fail "query answered '$a'"
	sleep 0.5   # the cache commits its batch 100 ms after the write
	"$mxsecd" --dump-cache -c "$tmp/a.conf" >"$tmp/dump" 2>&1
	grep -q '^mx1\.service\.test\..*A' "$tmp/dump" &&
		pass "the answer was written to the cache as $user" ||
		{ cat "$tmp/dump"; fail "not in the cache"; }
	stop && pass "SIGTERM: exit 0" || fail "SIGTERM: exit status $?"
	grep -q '^STOPPING=1' "$tmp/notify.log" && pass "STOPPING=1 sent" ||
		fail "no STOPPING=1"
	# The next start (root again) reopens the cache the user owns.
	if start "$tmp/a.conf" "$tmp/a2.log"; then
		a=$(dig +short +time=2 +tries=1 -p "$port" @127.0.0.1 mx1.service.test A)
		[ "$a" = 192.0.2.1 ] && pass "restart: cache reopened" ||
			fail "restart answered '$a'"
		stop
	else
		fail "restart"
	fi
else
	fail "start with user $user"
fi

# 2. No 'user': 'mxsec', or 'nobody' with a warning.
d=$tmp/b
mkdir -p "$d"
port=$(free_port)
conf "$tmp/b.conf" "$d" "$port"
if getent passwd mxsec >/dev/null; then want=mxsec; else want=nobody; fi
if start "$tmp/b.conf" "$tmp/b.log"; then
	u=$(status_field "$pid" Uid | cut -f1)
	[ "$u" = "$(id -u "$want")" ] && pass "default user: $want" ||
		fail "default user: uid $u, want $want"
	if [ "$want" = nobody ]; then
		grep -q "no user 'mxsec'.*nobody" "$tmp/b.log" &&
			pass "warning about the 'nobody' fallback" ||
			{ cat "$tmp/b.log"; fail "no warning about 'nobody'"; }
	fi
	stop
else
	fail "start without 'user'"
fi

# 3. chroot: entered after everything is open, still answering.
d=$tmp/c
mkdir -p "$d"
port=$(free_port)
conf "$tmp/c.conf" "$d" "$port" "user $user" "chroot $d"
# LeakSanitizer reads /proc at exit, which the chroot hides: no leak check
# for this run in a sanitizer build (the other runs have it).
if ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" \
    start "$tmp/c.conf" "$tmp/c.log"; then
	r=$(readlink "/proc/$pid/root")
	[ "$r" = "$d" ] && pass "chroot $d" || fail "root is $r"
	a=$(dig +short +time=2 +tries=1 -p "$port" @127.0.0.1 mx2.service.test A)
	[ "$a" = 192.0.2.1 ] && pass "answers in the chroot" || fail "chroot answered '$a'"
	sleep 0.5
	"$mxsecd" --dump-cache -c "$tmp/c.conf" 2>&1 | grep -q '^mx2\.service\.test\.' &&
		pass "cache written in the chroot" || fail "chroot: not in the cache"
	stop && pass "chroot: SIGTERM exit 0" || fail "chroot: exit status $?"
else
	fail "start with chroot"
fi
echo "chroot /nonexistent-$$" >"$tmp/bad.conf"
"$mxsecd" -f -c "$tmp/bad.conf" >"$tmp/bad.log" 2>&1
[ $? -eq 1 ] && grep -q "chroot /nonexistent-$$" "$tmp/bad.log" &&
	pass "missing chroot directory stops start-up" || fail "missing chroot accepted"
echo "user no-such-user-$$" >"$tmp/bad.conf"
"$mxsecd" -f -c "$tmp/bad.conf" >"$tmp/bad.log" 2>&1
[ $? -eq 1 ] && grep -q "no-such-user-$$: no such user" "$tmp/bad.log" &&
	pass "unknown user stops start-up" || fail "unknown user accepted"

# 4. The install tree.
stage=$tmp/stage
if meson install -C "$build" --destdir "$stage" --no-rebuild --quiet >"$tmp/install.log" 2>&1; then
	pass "meson install --destdir"
else
	cat "$tmp/install.log"
	fail "meson install --destdir"
fi
one() { find "$stage" -path "$1" \( -type f -o -type l \) | head -1; }
sbin=$(one '*/sbin/mxsecd') bin=$(one '*/bin/mxsec')
example=$(one '*/etc/mxsec/mxsecd.conf.example')
unit=$(one '*/lib/systemd/system/mxsecd.service')
so=$(one '*/libmxsec.so.0')
n=0
for f in "$sbin" "$bin" "$example" "$unit" "$so" "$(one '*/include/mxsec.h')" \
    "$(one '*/pkgconfig/libmxsec.pc')" "$(one '*/man8/mxsecd.8')" \
    "$(one '*/man5/mxsecd.conf.5')" "$(one '*/man1/mxsec.1')" \
    "$(one '*/man3/libmxsec.3')"; do
	[ -n "$f" ] && [ -e "$f" ] && n=$((n + 1))
done
[ "$n" -eq 11 ] && pass "binaries, library, header, .pc, man pages, example config and unit installed" ||
	{ find "$stage" -type f; fail "only $n of 11 files installed"; }
"$sbin" --version | grep -q '^mxsecd ' && pass "installed mxsecd --version" ||
	fail "installed mxsecd --version"
"$sbin" -n -c "$example" >"$tmp/out" 2>&1 && pass "installed mxsecd -n accepts the example" ||
	{ cat "$tmp/out"; fail "example config rejected"; }
LD_LIBRARY_PATH=$(dirname "$so") "$bin" --help >"$tmp/out" 2>&1 &&
	pass "installed mxsec --help" || { cat "$tmp/out"; fail "installed mxsec --help"; }
# Every key of the parser is in the example and in mxsecd.conf(5).
missing=
for k in $(grep -o '{ "[a-z0-9-]*"' "$src/daemon/config_keys.c" | cut -d'"' -f2); do
	grep -Eq "^#?$k( |$)" "$example" || missing="$missing example:$k"
	grep -q "^\.B[IR]\? $(echo "$k" | sed 's/-/\\\\-/g')\( \|$\)" \
		"$src/doc/mxsecd.conf.5" || missing="$missing mxsecd.conf.5:$k"
done
[ -z "$missing" ] && pass "every key is in the example and in mxsecd.conf(5)" ||
	fail "keys not documented:$missing"
grep "^ExecStart=" "$unit" | grep -q "$(dirname "${sbin#"$stage"}")/mxsecd " &&
	pass "unit starts the installed mxsecd" || fail "unit ExecStart: $(grep ^ExecStart "$unit")"
if command -v systemd-analyze >/dev/null; then
	# verify wants ExecStart to exist: point it into the staged tree, and
	# find the Documentation= pages there.
	mkdir -p "$tmp/unit"
	sed "s|^ExecStart=[^ ]*/mxsecd |ExecStart=$sbin |" "$unit" >"$tmp/unit/mxsecd.service"
	if MANPATH=$(dirname "$(dirname "$(one '*/man8/mxsecd.8')")") \
	    systemd-analyze verify "$tmp/unit/mxsecd.service" >"$tmp/out" 2>&1; then
		pass "systemd-analyze verify"
	else
		cat "$tmp/out"
		fail "systemd-analyze verify"
	fi
else
	echo "# no systemd-analyze: unit not verified"
fi
if command -v man >/dev/null; then
	for m in $(find "$stage" -path '*/man/man*' -type f); do
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>"$tmp/manerr" >/dev/null
		[ ! -s "$tmp/manerr" ] && pass "man -l ${m##*/}: no warnings" ||
			{ cat "$tmp/manerr"; fail "man -l ${m##*/}"; }
	done
else
	echo "# no man: pages not rendered"
fi

[ "$fails" -eq 0 ] && echo "all passed" || echo "$fails failed"
[ "$fails" -eq 0 ]
