"""The block loop of `-ppl` for models with a compiled sentence kernel of their own (count LMs,
skip LMs): each block of whole lines is tokenized, scored by the kernel into per-token arrays,
summed into `TextStats`, and at `-debug 1` to `3` written as SRILM writes it, the sentence lines
by perplexity's writer and the word lines by the model's own. The kernels never see `-pau-`:
it is dropped before scoring, as SRILM's LM::prepareSentence drops it, and stays in the echo
of the line only. A line of more than MAX_WORDS_PER_LINE tokens is passed over, as SRILM's
LM::pplFile passes it over."""

import numpy as np

from .classes.model import splice_word_lines
from .constants import MAX_WORDS_PER_LINE
from .perplexity import TextStats, drop_pauses, format_sentence_totals, mark_pauses, write_among_long_lines
from .scoring import tokenize_lines_within
from .textio import iter_line_blocks


def score_line_blocks(path, vocab, words, unk, score, write_word_lines, word_line_size, debug=0, out=None,
                      encoding="utf-8", warnings=None):
    """The `TextStats` of `path`, each line a sentence; with debug >= 1 SRILM's per-sentence
    (and from 2 per-word) lines go to the binary stream `out`, and at every level SRILM's warnings
    to the binary stream `warnings` (default: none): those of the lines passed over and the
    model's own, in the text's order.

    `words` (a WordTable) and `unk` tokenize; `score(ids, line_offsets, logprob, token_logp,
    token_found, sentence_stats)` runs the kernel over a block (logprob: the total so far) and
    returns ([sentences, words, OOVs, zeroprobs], the new total, extras, warnings: (line of the
    block, bytes) in the text's order), filling per slot t + s (token t of line s, its </s> at
    hi + s) the log10 p and the n-gram length found, and per line its sentence statistics.
    `write_word_lines(pool, offsets, ids, line_offsets, token_logp, token_found, extras, out,
    ends)` writes the -debug 2 word lines of each sentence, sentence s's ending at ends[s],
    within `word_line_size` bytes per slot, and returns their length."""
    pool, offsets = vocab.byte_pool()
    total = TextStats()
    logprob = 0.0
    for block, first_line in iter_line_blocks(path, encoding, allow_bytes=True):
        buf = np.frombuffer(block, dtype=np.uint8)
        ids, starts, ends, line_offsets, long_lines = tokenize_lines_within(buf, *words.arrays(), unk,
                                                                            MAX_WORDS_PER_LINE)
        long_lines[:, 0] += first_line
        scored_ids, scored_offsets = drop_pauses(mark_pauses(block, ids), line_offsets)
        n_lines = len(line_offsets) - 1
        # slots of the line as written: the sentence writer indexes them (the kernel fills fewer)
        slots = len(ids) + len(line_offsets)
        token_logp = np.empty(slots, dtype=np.float32)
        token_found = np.zeros(slots, dtype=np.int32)
        sentence_stats = np.empty((n_lines, 3))
        stats, logprob, extras, notes = score(scored_ids, scored_offsets, logprob, token_logp, token_found,
                                              sentence_stats)
        if warnings is not None:
            write_among_long_lines(warnings, path, long_lines, notes)
        total.add(TextStats(*(int(x) for x in stats)))
        total.logprob = logprob
        if debug < 1:
            continue
        sentences = np.empty(len(buf) + 2 * len(line_offsets) * 160, dtype=np.uint8)
        used = format_sentence_totals(pool, offsets, buf, ids, starts, ends, line_offsets, vocab.bos, vocab.eos,
                                      token_logp, token_found, sentence_stats, sentences)
        if debug < 2:
            out.write(sentences[:used].tobytes())
            continue
        word_lines = np.empty(slots * word_line_size, dtype=np.uint8)
        sentence_ends = np.empty(n_lines, dtype=np.int64)
        n_word = write_word_lines(pool, offsets, scored_ids, scored_offsets, token_logp, token_found, extras,
                                  word_lines, sentence_ends)
        output = np.empty(used + n_word, dtype=np.uint8)
        size = splice_word_lines(sentences[:used], word_lines[:n_word], sentence_ends, output)
        out.write(output[:size].tobytes())
    return total
