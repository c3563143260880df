#!/usr/bin/env bash
# Captures one parser fixture from the real program:
#   test/unit/parsers/capture.sh <parser> <case> '<command line>' [recorded command line]
# Writes fixtures/parsers/<parser>/<case>.{cmd,stdout,stderr,exit}; .stderr only when non-empty.
# The optional 4th argument is the command as a runbook would run it on the host, when the capture
# itself needs a wrapper (ip netns exec ..., a lab path); otherwise the command line itself.
set -u
parser=$1 case=$2 cmd=$3 shown=${4:-$3}
dir=$(cd "$(dirname "$0")/../../.." && pwd)/fixtures/parsers/$parser
mkdir -p "$dir/$(dirname "$case")"
base=$dir/$case
bash -c "$cmd" >"$base.stdout" 2>"$base.stderr"
echo $? >"$base.exit"
printf '%s\n' "$shown" >"$base.cmd"
[ -s "$base.stderr" ] || rm -f "$base.stderr"
echo "== $parser/$case (exit $(cat "$base.exit"))"; head -c 1500 "$base.stdout"; [ -f "$base.stderr" ] && { echo '-- stderr'; cat "$base.stderr"; }
exit 0
