#!/usr/bin/env bash
# Crawl benchmark over generated Hive-partitioned Parquet datasets (see
# docs/benchmarks.md, "Crawler"). Not part of make test: it writes GIB GiB
# per size to disk and deletes it afterwards.
# Usage: scripts/bench_crawl.sh [GIB ...]        (default: 1 10)
#   TARN_BENCH_DIR          where datasets go (default: $TMPDIR or /tmp)
#   TARN_BENCH_DROP_CACHES  1 = drop the page cache before the dd and the
#                           crawl (root; affects the whole machine)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 10)
base=${TARN_BENCH_DIR:-${TMPDIR:-/tmp}}
bin=$(mktemp -p "$base" tarn-crawlbench-bin.XXXXXX)
dir=
cleanup() { rm -rf "$bin" ${dir:+"$dir"}; }
trap cleanup EXIT

drop() {
	if [ "${TARN_BENCH_DROP_CACHES:-0}" = 1 ]; then
		sync
		echo 3 >/proc/sys/vm/drop_caches
	fi
}

go test -c -tags crawlbench -o "$bin" ./internal/crawler
for gib in "${sizes[@]}"; do
	dir=$(mktemp -d -p "$base" tarn-crawlbench.XXXXXX)
	echo "== ${gib} GiB dataset in $dir"
	"$bin" -test.run '^TestCrawlBenchGenerate$' -test.v -crawlbench.dir="$dir" -crawlbench.gib="$gib" | grep -E 'generated|FAIL|ok'
	du -sh "$dir/blobs"
	drop
	# Sequential read speed of the stored objects (up to 1 GiB of them).
	find "$dir/blobs" -type f -printf '%s %p\n' | sort -rn | awk '{ s += $1; print $2; if (s >= 1073741824) exit }' |
		xargs cat | dd of=/dev/null bs=1M 2>&1 | tail -1
	drop
	"$bin" -test.run '^$' -test.bench '^BenchmarkCrawlParquetDataset$' -test.benchtime 1x -test.v \
		-crawlbench.dir="$dir" | grep -E 'Benchmark|table events|FAIL|ok'
	rm -rf "$dir"
	dir=
done
