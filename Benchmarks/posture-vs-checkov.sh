#!/usr/bin/env bash
# `palisade scan` against Checkov (PyPI) on the same inputs, one run each: the Checkov peer fixtures
# and a generated 1,000-function SAM template. Prints wall time and peak RSS (/usr/bin/time -v) and
# the ratios (Checkov's figure over Palisade's). Checkov goes into its own virtualenv under
# .build-bench/ so its pins cannot disturb the test tools (moto, boto3) installed for the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
work=.build-bench
mkdir -p "$work"

if [ ! -x "$work/checkov-venv/bin/checkov" ]; then
    python3 -m venv "$work/checkov-venv"
    "$work/checkov-venv/bin/pip" install --quiet checkov
fi
# The release build as shipped: Swift runtime and Foundation linked statically (README, "Release build").
swift build -c release --product palisade --static-swift-stdlib >/dev/null
palisade=.build/release/palisade

# A SAM template with 1,000 functions whose settings vary, so every check has work to do.
python3 Benchmarks/synthetic-template.py "$work/synthetic"

# Runs a command once under /usr/bin/time -v; prints "seconds kilobytes".
measure() {
    local log
    log=$(mktemp)
    /usr/bin/time -v "$@" >/dev/null 2>"$log" || true
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    rm -f "$log"
    echo "$wall $rss"
}

printf '%-22s %-9s %10s %12s\n' "input" "tool" "wall (s)" "peak RSS (MB)"
for input in Tests/PalisadePostureTests/Fixtures/checkov "$work/synthetic"; do
    read -r p_wall p_rss < <(sneaky_var='*' measure "$palisade" scan --format json --fail-on none "$input")
    read -r c_wall c_rss < <(sneaky_var='*' measure "$work/checkov-venv/bin/checkov" -d "$input" --framework cloudformation serverless \
        --skip-download --quiet -o json)
    name=$(basename "$input")
    printf '%-22s %-9s %10.2f %12.1f\n' "$name" "palisade" "$p_wall" "$(awk "BEGIN {print $p_rss / 1024}")"
    printf '%-22s %-9s %10.2f %12.1f\n' "$name" "checkov" "$c_wall" "$(awk "BEGIN {print $c_rss / 1024}")"
    printf '%-22s %-9s %9.1fx %11.1fx\n' "$name" "ratio" "$(awk "BEGIN {print $c_wall / $p_wall}")" "$(awk "BEGIN {print $c_rss / $p_rss}")"
done
