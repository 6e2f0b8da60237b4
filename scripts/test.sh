#!/usr/bin/env bash
# The README's test command (and what .ci/run calls): install what the tests
# need, build twice (-Werror, and ASan+UBSan with clang), run the whole suite
# and print "N passed, N failed" as the last line.
set -u
cd "$(dirname "$0")/.."
# nsd, unbound and friends live in sbin, which a non-login root shell may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
bash scripts/deps.sh test || { echo "0 passed, 1 failed"; exit 1; }

fail_setup() { echo "test.sh: $1" >&2; echo "0 passed, 1 failed"; exit 1; }

setup() {  # dir, meson options...
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log" >&2; fail_setup "meson setup $dir failed"; }
	fi
	ninja -C "$dir" >"$dir.build.log" 2>&1 ||
		{ tail -50 "$dir.build.log" >&2; fail_setup "build in $dir failed"; }
}

setup build-test -Dwerror=true
CC=clang setup build-asan -Dwerror=true -Db_sanitize=address,undefined \
	-Db_lundef=false -Dfuzz=true

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# Tests that use the fixed 127.0.0.x world addresses run one at a time
# (is_parallel: false); the two trees run one after the other.  The
# sanitizer tree runs everything too, mxsecd against the world included.
meson test -C build-test --print-errorlogs --num-processes 2 || true
meson test -C build-asan --print-errorlogs --num-processes 2 || true

/usr/bin/python3 - build-test build-asan <<'PY'
import json, sys
passed = failed = skipped = 0
for d in sys.argv[1:]:
    try:
        lines = open(d + "/meson-logs/testlog.json").read().splitlines()
    except OSError:
        failed += 1
        print(f"{d}: no test log", file=sys.stderr)
        continue
    for line in lines:
        t = json.loads(line)
        r = t["result"]
        name = f"{d}:{t['name']}"
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
            print(f"FAILED {name} ({r})", file=sys.stderr)
if passed + failed == 0:
    failed = 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
PY
