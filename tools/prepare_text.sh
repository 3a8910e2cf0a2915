#!/usr/bin/env bash
# Normalise raw text for LM training (full-width to half-width, numbers read out, punctuation
# and URLs removed, Latin lowercased):
#   --lang zh     Chinese, segmented into jieba words, one output line per input line (default)
#   --lang en     English, one sentence per output line, no empty lines
#   --lang mixed  Chinese with English words: as zh, and each number read in the language of
#                 its neighbours; --acronyms letters|whole spells acronyms as the lexicon does
set -euo pipefail
usage="usage: $0 [--lang zh|en|mixed] [--workers N] [--lexicon FILE] [--acronyms as-written|letters|whole] <raw-text> <out-text>"
lang=zh
workers=1
lexicon=()
acronyms=as-written
while [ $# -gt 0 ]; do
  case "$1" in
    --lang) lang=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --lexicon) lexicon=(--lexicon "$2"); shift 2 ;;
    --acronyms) acronyms=$2; shift 2 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    -*) echo "$0: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || { echo "$usage" >&2; exit 2; }
case "$lang" in
  zh) ngramkit segment --zh-numbers --join-cjk --remove-urls --acronyms "$acronyms" -j "$workers" \
        "${lexicon[@]}" "$1" -o "$2" ;;
  mixed) ngramkit segment --zh-numbers --en-numbers --join-cjk --remove-urls --acronyms "$acronyms" \
           -j "$workers" "${lexicon[@]}" "$1" -o "$2" ;;
  en) [ ${#lexicon[@]} -eq 0 ] || { echo "$0: --lexicon segments Chinese; it does not apply to --lang en" >&2; exit 2; }
      ngramkit normalize --remove-urls --acronyms "$acronyms" -j "$workers" "$1" -o "$2" ;;
  *) echo "$0: --lang must be zh, en or mixed, not '$lang'" >&2; exit 2 ;;
esac
