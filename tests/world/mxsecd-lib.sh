# Shared by the world tests that run mxsecd (sourced, not run).
#
# mx_conf FILE OUTDIR DIR PORT [LINE ...]: write a config for mxsecd over
#   the world in OUTDIR (root hints, listen on 127.0.0.1@PORT, socket and
#   cache under DIR, loopback upstreams allowed), plus the extra LINEs.
# mx_wait PORT [PID]: wait (5 s at most) until mxsecd answers on
#   127.0.0.1@PORT; fails early when PID is given and has exited.

mx_conf() {
	local file=$1 out=$2 dir=$3 port=$4
	shift 4
	{
		echo "root-hints $out/root.hints"
		echo "listen-dns 127.0.0.1@$port"
		echo "api-socket $dir/mxsecd.sock"
		echo "cache-dir $dir/cache"
		echo "query-loopback yes"
		for line in "$@"; do echo "$line"; done
	} >"$file"
}

mx_wait() {
	local i
	for i in $(seq 100); do
		dig +time=1 +tries=1 -p "$1" @127.0.0.1 . NS >/dev/null 2>&1 && return 0
		if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
			return 1
		fi
		sleep 0.05
	done
	return 1
}
