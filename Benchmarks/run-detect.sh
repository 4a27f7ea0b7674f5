#!/bin/sh
# Runs the detection speed benchmark, installing libmodsecurity and the OWASP CRS first if missing.
# Usage: Benchmarks/run-detect.sh [--quick]
set -eu
cd "$(dirname "$0")"

if ! dpkg -s libmodsecurity-dev modsecurity-crs >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update >&2
    $sudo apt-get install -y libmodsecurity-dev modsecurity-crs >&2
fi

# Build output goes to stderr so stdout carries the table alone.
swift build -c release --product DetectBenchmark >&2
exec .build/release/DetectBenchmark "$@"
