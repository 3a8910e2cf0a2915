#!/usr/bin/env bash
# Train an interpolated modified Kneser-Ney model over a closed vocabulary with <unk>.
set -euo pipefail
usage="usage: $0 [--order N] <train-text> <vocab> <out-arpa>"
order=3
while [ $# -gt 0 ]; do
  case "$1" in
    --order) order=$2; shift 2 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    -*) echo "$0: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 3 ] || { echo "$usage" >&2; exit 2; }
ngram-count -order "$order" -kndiscount -interpolate -unk -vocab "$2" -text "$1" -lm "$3"
