#!/usr/bin/env bash
# Runs every Go fuzz target in the repository for DURATION each (default
# 20s), one after another. Exits non-zero if any target fails; a failing
# input is kept by go test under the package's testdata/fuzz/.
# Usage: scripts/fuzz.sh [DURATION]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
duration=${1:-20s}
module=$(go list -m)

targets=()
while IFS= read -r line; do
	targets+=("$line")
done < <(grep -rlE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' --exclude-dir=.cache --exclude-dir=.git . |
	sort | while IFS= read -r file; do
		dir=$(dirname "$file")
		grep -oE '^func Fuzz[A-Za-z0-9_]*\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]*)\(/\1/' |
			while IFS= read -r name; do echo "$dir $name"; done
	done)

if [ "${#targets[@]}" -eq 0 ]; then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi

echo "fuzz: ${#targets[@]} targets, $duration each"
failed=()
for t in "${targets[@]}"; do
	dir=${t% *}
	name=${t#* }
	pkg=$module/${dir#./}
	echo "fuzz: $name ($pkg)"
	if ! go test -run='^$' -fuzz="^${name}\$" -fuzztime="$duration" "$dir"; then
		failed+=("$name ($pkg)")
	fi
done
if [ "${#failed[@]}" -gt 0 ]; then
	echo "fuzz: FAILED: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz: all ${#targets[@]} targets passed"
