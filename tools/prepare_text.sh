#!/usr/bin/env bash
# Normalise and segment raw Chinese text for LM training, one output line per input line
# (full-width to half-width, numbers read out, punctuation and URLs removed, jieba words).
set -euo pipefail
usage="usage: $0 [--workers N] [--lexicon FILE] <raw-text> <out-text>"
workers=1
lexicon=()
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers=$2; shift 2 ;;
    --lexicon) lexicon=(--lexicon "$2"); shift 2 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    -*) echo "$0: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || { echo "$usage" >&2; exit 2; }
ngramkit segment --zh-numbers --join-cjk --remove-urls -j "$workers" "${lexicon[@]}" "$1" -o "$2"
