#!/usr/bin/env bash
# The LM recipe for ASR, from raw text to G.fst (--lang zh: Chinese, the default; en: English;
# mixed: Chinese with English words; see prepare_text.sh):
#   stage 0  normalise (and for Chinese segment) the raw text, hold out the last lines for
#            evaluation (English is cut into sentences first, so these are whole sentences)
#   stage 1  vocabulary of the training text
#   stage 2  train an interpolated modified Kneser-Ney model (ngram-count)
#   stage 3  perplexity on the held-out text (ngram -ppl)
#   stage 4  entropy-prune the model and evaluate it again
#   stage 5  G.fst and words.txt for a WFST decoder (arpa2fst)
#   stage 6  an HTML report of the model and of its held-out perplexity (ngramkit report)
# Stages 1-5 use SRILM's and Kaldi's command names and options, so they also run with
# SRILM's ngram-count/ngram and Kaldi's arpa2fst on PATH; stage 6 needs ngramkit.
set -euo pipefail

usage="usage: $0 [--lang zh|en|mixed] [--stage N] [--stop-stage N] [--order N] [--prune THETA] [--heldout LINES] [--workers N] <raw-text> <out-dir>"
lang=zh
stage=0
stop_stage=6
order=3
prune=1e-7
heldout=1000
workers=2
while [ $# -gt 0 ]; do
  case "$1" in
    --lang) lang=$2; shift 2 ;;
    --stage) stage=$2; shift 2 ;;
    --stop-stage) stop_stage=$2; shift 2 ;;
    --order) order=$2; shift 2 ;;
    --prune) prune=$2; shift 2 ;;
    --heldout) heldout=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    -*) echo "$0: unknown option $1" >&2; echo "$usage" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || { echo "$usage" >&2; exit 2; }
case "$lang" in
  zh|en|mixed) ;;
  *) echo "$0: --lang must be zh, en or mixed, not '$lang'" >&2; exit 2 ;;
esac
raw=$1
dir=$2
mkdir -p "$dir"
tools=$(dirname "$0")
run() { [ "$stage" -le "$1" ] && [ "$stop_stage" -ge "$1" ]; }

if run 0; then
  "$tools/prepare_text.sh" --lang "$lang" --workers "$workers" "$raw" "$dir/text.txt"
  total=$(wc -l < "$dir/text.txt")
  [ "$total" -gt "$heldout" ] || { echo "$0: $raw has $total lines, not more than --heldout $heldout" >&2; exit 1; }
  head -n $((total - heldout)) "$dir/text.txt" > "$dir/train.txt"
  tail -n "$heldout" "$dir/text.txt" > "$dir/dev.txt"
  if [ "$lang" = en ]; then
    echo "normalised text: $dir/train.txt ($((total - heldout)) sentences), $dir/dev.txt ($heldout sentences)"
  else
    echo "segmented text: $dir/train.txt ($((total - heldout)) lines), $dir/dev.txt ($heldout lines)"
  fi
fi

# On a fresh installation the first run of each command mostly compiles; compile what stages
# 3-5 run on the core that stages 1-2 leave idle (ngramkit only: SRILM has nothing to compile).
precompiling=
if run 1 && [ "$stop_stage" -ge 3 ] && command -v ngramkit > /dev/null; then
  ngramkit precompile ppl prune fst &
  precompiling=$!
  trap 'kill "$precompiling" 2> /dev/null || true' EXIT
fi

if run 1; then
  ngram-count -order 1 -text "$dir/train.txt" -write-vocab "$dir/vocab.txt"
  echo "vocabulary: $dir/vocab.txt ($(wc -l < "$dir/vocab.txt") words)"
fi

if run 2; then
  "$tools/train_lm.sh" --order "$order" "$dir/train.txt" "$dir/vocab.txt" "$dir/lm.arpa.gz"
  echo "language model: $dir/lm.arpa.gz"
fi

if [ -n "$precompiling" ]; then
  wait "$precompiling" || echo "$0: warning: ngramkit precompile failed; the commands compile as they run" >&2
  trap - EXIT
fi

if run 3; then
  ngram -order "$order" -unk -lm "$dir/lm.arpa.gz" -ppl "$dir/dev.txt" | tee "$dir/lm.ppl.txt"
  echo "perplexity on held-out text: $dir/lm.ppl.txt"
fi

if run 4; then
  ngram -order "$order" -unk -lm "$dir/lm.arpa.gz" -prune "$prune" -write-lm "$dir/lm.pruned.arpa.gz"
  ngram -order "$order" -unk -lm "$dir/lm.pruned.arpa.gz" -ppl "$dir/dev.txt" | tee "$dir/lm.pruned.ppl.txt"
  echo "pruned model (theta $prune): $dir/lm.pruned.arpa.gz"
fi

if run 5; then
  "$tools/make_g.sh" "$dir/lm.pruned.arpa.gz" "$dir/lang"
  echo "G.fst: $dir/lang/G.fst, symbol table: $dir/lang/words.txt"
fi

if run 6; then
  ngramkit report -q "$dir/lm.arpa.gz" --text "$dir/dev.txt" --vs "$dir/lm.pruned.arpa.gz" -o "$dir/report.html"
  echo "report: $dir/report.html"
fi
