#!/usr/bin/env bash
# G.fst (with #0 on backoff arcs) and words.txt from an ARPA model, as Kaldi and k2 expect them.
set -euo pipefail
usage="usage: $0 <arpa> <lang-dir>"
[ $# -eq 2 ] || { echo "$usage" >&2; exit 2; }
mkdir -p "$2"
arpa=$1
case "$arpa" in
  # Kaldi's arpa2fst reads plain ARPA only.
  *.gz) plain="$2/G.arpa"; gunzip -c "$arpa" > "$plain"; arpa=$plain ;;
esac
arpa2fst --disambig-symbol=#0 --write-symbol-table="$2/words.txt" "$arpa" "$2/G.fst"
[ "$arpa" = "${1}" ] || rm -f "$arpa"
