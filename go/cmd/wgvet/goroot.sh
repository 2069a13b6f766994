#!/bin/sh
# Runs wgvet over the whole Go source tree of the go on PATH (standard
# library and cmd, with their tests), writes its findings, and times it
# beside `go vet` (default analyzers) on the same packages: median of 3,
# alternating, after one warm-up run that builds the export data both use.
#
#   go/cmd/wgvet/goroot.sh WGVET OUTDIR
#
# OUTDIR gets findings.json, stderr.txt (wgvet's notes) and times.txt.
# go vet caches its results; each timed run passes a different
# -printf.funcs value, which changes vet's cache key without changing what
# it checks, so each run analyzes every package again (the compiled export
# data stays cached, as it does for wgvet).
#
# The tree vendors its dependencies: go runs without GOFLAGS=-mod=mod.
set -eu

wgvet=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=$(mkdir -p "$2" && cd "$2" && pwd)
unset GOFLAGS
cd "$(go env GOROOT)/src"

now() { date +%s.%N; }

status=0
"$wgvet" -stats -format json std cmd >"$out/findings.json" 2>"$out/stderr.txt" || status=$?
if [ "$status" -gt 1 ]; then
	echo "wgvet failed ($status):" >&2
	cat "$out/stderr.txt" >&2
	exit 1
fi
go vet -printf.funcs=warmup std cmd >/dev/null 2>&1 || true

: >"$out/times.txt"
for i in 1 2 3; do
	t0=$(now)
	"$wgvet" -format json std cmd >/dev/null 2>&1 || true
	t1=$(now)
	go vet -printf.funcs="wgvetbench$i$$" std cmd >/dev/null 2>&1 || true
	t2=$(now)
	echo "$t0 $t1 $t2" | awk '{ printf "wgvet %.1f\ngovet %.1f\n", $2 - $1, $3 - $2 }' >>"$out/times.txt"
done

median() { grep "^$1 " "$out/times.txt" | awk '{ print $2 }' | sort -n | sed -n 2p; }
w=$(median wgvet)
v=$(median govet)
grep 'packages checked' "$out/stderr.txt" || true
echo "wgvet median of 3: ${w} s"
echo "go vet median of 3: ${v} s"
echo "$w $v" | awk '{ printf "ratio wgvet / go vet: %.2f\n", $1 / $2 }'
