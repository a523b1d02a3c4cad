#!/usr/bin/env bash
# Runs the lit suite and ends with one summary line, "N passed, N failed".
set -uo pipefail
lit=$1; dir=$2
log=$(mktemp)
"$lit" -sv "$dir" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
count() { grep -E "^\s+$1\s*: " "$log" | sed -E "s/.*: *([0-9]+).*/\1/" | head -1; }
passed=$(( $(count Passed || true) + 0 )) 2>/dev/null || passed=0
failed=$(( $(count Failed || true) + 0 )) 2>/dev/null || failed=0
unsupported=$(count Unsupported); unsupported=${unsupported:-0}
echo "check-attune: ${passed} passed, ${failed} failed, ${unsupported} skipped"
rm -f "$log"
exit "$rc"
