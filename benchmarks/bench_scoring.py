"""`ngramkit.Model` side by side with the kenlm module's `Model`: load time, `BaseScore` per
call, `score` per sentence, `score_batch` against a `score` loop, and pyctcdecode's beam search
at beams 20 and 100 on kenlm against ngramkit.ctc's batched decoder and against pyctcdecode
itself with ngramkit's Model in kenlm's place; then the same rows on KenLM tries of each model
(trie, -q 8 -b 8, -a 22), which both score from the mapped file.

usage: python benchmarks/bench_scoring.py [ARPA ...] [--text TEXT] [--repeat N] [--utterances N]
Defaults: the KenLM reference models of shared/reference/en and the en-large test text.
Each measurement runs once before timing (compiling, reading mapped pages in); then ngramkit's
and kenlm's runs alternate, N rounds, so that both see the same load from other processes.
Reported: the median of each, and the ratio of the medians (ngramkit / kenlm; below 1 is
ngramkit faster). The decoders' transcripts are checked to be identical, and ngramkit.ctc's
beams (texts, word frames, logit and LM scores) to be those of pyctcdecode on kenlm.
"""

import argparse
import gzip
import os
import statistics
import sys
import tempfile
import time

import numpy as np
from common import SHARED

import ngramkit
from ngramkit.arpa import read_arpa, write_arpa
from ngramkit.kenlm_binary import write_kenlm_binary

try:
    import kenlm
except ImportError:
    sys.exit("bench_scoring compares with the kenlm module: install it (pip install kenlm)")

LABELS = [""] + list(" abcdefghijklmnopqrstuvwxyz'")
CONFUSABLE = {"e": "a", "a": "e", "o": "u", "i": "e", "s": "z", "m": "n", "n": "m", "t": "d", "d": "t"}


def seconds(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def side_by_side(name, ours, theirs, rounds, per=1, unit="s"):
    """Time ours() and theirs() alternately; print medians (divided by `per`) and their ratio."""
    ours(), theirs()
    times = ([], [])
    for _ in range(rounds):
        times[0].append(seconds(ours))
        times[1].append(seconds(theirs))
    a, b = (statistics.median(t) / per for t in times)
    scale = {"s": 1, "ms": 1e3, "us": 1e6}[unit]
    print(f"  {name:28s} ngramkit {a * scale:10.3f} {unit}  kenlm {b * scale:10.3f} {unit}  ratio {a / b:6.2f}")


def base_score_loop(model, state_class, words):
    """BaseScore over `words` with two states taking turns, as a decoder's inner loop."""
    def run():
        state, out = state_class(), state_class()
        model.BeginSentenceWrite(state)
        score = model.BaseScore
        for word in words:
            score(state, word, out)
            state, out = out, state
    return run


TRIES = {"trie": {}, "q8b8.trie": dict(prob_bits=8, backoff_bits=8), "a22.trie": dict(pointer_bits=22)}


def trie_rows(model, tmp, sentences, words, repeat):
    """The load and scoring rows on tries of `model` (write_kenlm_binary writes build_binary's bytes)."""
    for name, options in TRIES.items():
        path = os.path.join(tmp, f"model.{name}")
        write_kenlm_binary(model, path, layout="trie", **options)
        ours, theirs = ngramkit.Model(path), kenlm.Model(path)
        print(f"  {name} ({os.path.getsize(path) / 1e6:.1f} MB)")
        side_by_side(f"load {name}", lambda: ngramkit.Model(path), lambda: kenlm.Model(path), repeat, unit="ms")
        side_by_side("BaseScore per call", base_score_loop(ours, ngramkit.State, words),
                     base_score_loop(theirs, kenlm.State, words), repeat, per=len(words), unit="us")
        side_by_side("score per sentence", lambda: [ours.score(s) for s in sentences],
                     lambda: [theirs.score(s) for s in sentences], repeat, per=len(sentences), unit="us")
        side_by_side("score_batch vs score loop", lambda: ours.score_batch(sentences),
                     lambda: [theirs.score(s) for s in sentences], repeat, unit="ms")


def ctc_logits(sentence, rng):
    """Log-probabilities of the characters of `sentence`, each frame followed by a blank, where
    a confusable letter is almost as likely as the right one."""
    frames = []
    for c in sentence:
        if c not in LABELS:
            continue
        row = rng.normal(0, 0.5, len(LABELS))
        row[LABELS.index(c)] += 6
        if c in CONFUSABLE:
            row[LABELS.index(CONFUSABLE[c])] += 5.8
        frames.append(row)
        row = rng.normal(0, 0.5, len(LABELS))
        row[0] += 6
        frames.append(row)
    logits = np.array(frames, dtype=np.float32)
    return logits - np.log(np.exp(logits).sum(1, keepdims=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("arpas", nargs="*", default=[os.path.join(SHARED, "reference", "en", "kenlm", f"o{n}.arpa.gz")
                                                     for n in (3, 5)])
    parser.add_argument("--text", default=os.path.join(SHARED, "corpora", "en-large", "test.txt.gz"))
    parser.add_argument("--repeat", type=int, default=7, help="rounds of each measurement")
    parser.add_argument("--utterances", type=int, default=20, help="utterances decoded by pyctcdecode")
    args = parser.parse_args()
    with gzip.open(args.text, "rt", encoding="utf-8") if args.text.endswith(".gz") else open(args.text) as f:
        sentences = f.read().splitlines()
    words = [w for s in sentences[:2000] for w in s.split() + ["</s>"]]
    tokens = sum(len(s.split()) + 1 for s in sentences)
    print(f"text {args.text}: {len(sentences)} sentences, {tokens} tokens (with </s>)")
    rng = np.random.default_rng(0)
    utterances = [s.lower() for s in sentences if 20 <= len(s) <= 120][:args.utterances]
    logits = [ctc_logits(s, rng) for s in utterances]
    with tempfile.TemporaryDirectory(prefix="bench-scoring-") as tmp:
        for path in args.arpas:
            # kenlm reads plain ARPA; pyctcdecode reads unigrams from a KenLM-style one
            arpa = os.path.join(tmp, "model.arpa")
            write_arpa(read_arpa(path), arpa, style="kenlm")
            binary, kenlm_binary = os.path.join(tmp, "model.ngk"), os.path.join(tmp, "model.probing")
            ngramkit.load(arpa).write(binary)
            ngramkit.load(arpa).write(kenlm_binary, format="kenlm")
            ours, theirs = ngramkit.Model(binary), kenlm.Model(kenlm_binary)
            print(f"{os.path.basename(path)}: order {ours.order}, {sum(ours.sizes)} n-grams {ours.sizes}")
            side_by_side("load ARPA", lambda: ngramkit.Model(arpa), lambda: kenlm.Model(arpa), 3)
            side_by_side("load binary", lambda: ngramkit.Model(binary), lambda: kenlm.Model(kenlm_binary),
                         args.repeat, unit="ms")
            side_by_side("BaseScore per call", base_score_loop(ours, ngramkit.State, words),
                         base_score_loop(theirs, kenlm.State, words), args.repeat, per=len(words), unit="us")
            side_by_side("score per sentence", lambda: [ours.score(s) for s in sentences],
                         lambda: [theirs.score(s) for s in sentences], args.repeat, per=len(sentences), unit="us")
            side_by_side("score_batch vs score loop", lambda: ours.score_batch(sentences),
                         lambda: [theirs.score(s) for s in sentences], args.repeat, unit="ms")
            from pyctcdecode import build_ctcdecoder as kenlm_decoder
            from pyctcdecode import decoder as pyctcdecode_decoder
            from pyctcdecode import language_model as pyctcdecode_lm

            from ngramkit.ctc import build_ctcdecoder

            def with_kenlm_module(module, decoder):
                """decoder.decode run with pyctcdecode's `kenlm` name bound to `module`."""
                def decode(x, beam_width):
                    pyctcdecode_lm.kenlm = module
                    try:
                        return decoder.decode(x, beam_width=beam_width)
                    finally:
                        pyctcdecode_lm.kenlm = kenlm
                return decode

            # pyctcdecode itself on ngramkit's Model (the drop-in: its `kenlm` is ngramkit)
            pyctcdecode_decoder.kenlm = ngramkit
            drop_in = with_kenlm_module(ngramkit, kenlm_decoder(LABELS, kenlm_model_path=arpa))
            pyctcdecode_decoder.kenlm = kenlm
            ours_decoder, kenlm_beam_decoder = build_ctcdecoder(LABELS, ours), kenlm_decoder(
                LABELS, kenlm_model_path=arpa)
            decoders = (ours_decoder.decode, with_kenlm_module(kenlm, kenlm_beam_decoder), drop_in)
            for beam_width in (20, 100):
                texts = [[decode(x, beam_width) for x in logits] for decode in decoders]
                if texts[0] != texts[1] or texts[2] != texts[1]:
                    sys.exit(f"pyctcdecode transcripts differ at beam {beam_width}")
                # the beams' texts, word frames, logit and LM scores, to the last bit
                beams = [[[(b[0], b[2], b[3], b[4]) for b in decoder.decode_beams(x, beam_width)] for x in logits]
                         for decoder in (ours_decoder, kenlm_beam_decoder)]
                if beams[0] != beams[1]:
                    sys.exit(f"ngramkit.ctc's beams differ from pyctcdecode's on kenlm at beam {beam_width}")
                for name, decode in ((f"ngramkit.ctc beam {beam_width}", decoders[0]),
                                     (f"pyctcdecode on ngramkit b{beam_width}", drop_in)):
                    side_by_side(name, lambda: [decode(x, beam_width) for x in logits],
                                 lambda: [decoders[1](x, beam_width) for x in logits],
                                 max(3, args.repeat // 2), per=len(logits), unit="ms")
            trie_rows(read_arpa(arpa), tmp, sentences, words, args.repeat)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
