"""Word segmentation of raw Chinese text for LM training.

Each input line becomes one output line of space-separated tokens (an empty
line stays empty), unless normalisation splits sentences: then each sentence
becomes a line and empty lines are dropped. Three ways to split:

- words: jieba's default dictionary with its HMM for unknown words, as plain
  `jieba.cut` does; user words may be added to that dictionary;
- words from a lexicon: a jieba tokenizer whose dictionary is only the
  lexicon, HMM off, so every token is a lexicon word or a single character
  (runs of Latin letters and digits stay whole); among the splits into
  lexicon words it takes one with the fewest tokens;
- chars: one token per character, Latin words and numbers whole;
- none: the normalised text as it is (for languages written with spaces).

Lines are normalised first (see normalize.py). Large inputs are cut into
pieces at line ends and segmented in worker processes; pieces are written in
input order, so the output does not depend on the number of workers.
"""

import logging
import multiprocessing
import re
import signal
from dataclasses import dataclass
from functools import lru_cache

import jieba

from .normalize import NormalizeOptions, normalize_text, translation_table
from .progress import Progress
from .textio import atomic_output, iter_line_blocks

PIECE_BYTES = 1 << 16
# Corpora repeat lines (boilerplate, duplicated reviews); each process remembers this many.
REMEMBERED_LINES = 1 << 16

_LATIN_OR_NUMBER = "0-9A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F"
_CHAR_TOKENS = re.compile(rf"[{_LATIN_OR_NUMBER}]+(?:['.][{_LATIN_OR_NUMBER}]+)*|\S")

jieba.setLogLevel(logging.WARNING)


@dataclass(frozen=True)
class SegmentOptions:
    split: str = "words"  # "words", "chars" or "none"
    lexicon: tuple | None = None  # the only words segmentation may use
    user_words: tuple = ()  # words added to jieba's default dictionary
    normalize: NormalizeOptions | None = NormalizeOptions()


def lexicon_tokenizer(words):
    """A jieba tokenizer that knows only `words`, each with the same frequency."""
    freq = {}
    for word in words:
        for end in range(1, len(word)):
            freq.setdefault(word[:end], 0)
        freq[word] = 1
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = freq
    tokenizer.total = len(words)
    tokenizer.initialized = True
    return tokenizer


class Segmenter:
    def __init__(self, options=SegmentOptions()):
        self.options = options
        self._cut = None
        self.segment_line = lru_cache(maxsize=REMEMBERED_LINES)(self._segment_line)
        if options.normalize is not None:
            translation_table(options.normalize)
        if options.split != "words":
            return
        if options.lexicon is not None:
            tokenizer = lexicon_tokenizer(options.lexicon)
            self._cut = lambda line: tokenizer.cut(line, HMM=False)
        elif options.user_words:
            tokenizer = jieba.Tokenizer()
            for word in options.user_words:
                tokenizer.add_word(word)
            self._cut = tokenizer.cut
        else:
            # jieba's own default tokenizer, loaded once per process (and inherited by forked workers).
            jieba.initialize()
            self._cut = jieba.cut

    def _segment_line(self, line):
        if self.options.split == "none":
            return " ".join(line.split())
        if self._cut is None:
            return " ".join(_CHAR_TOKENS.findall(line))
        return " ".join(token for token in self._cut(line) if not token.isspace())

    def segment_text(self, text):
        """Segment a block of lines; the result has one line per input line (per sentence if
        normalisation splits sentences, empty ones dropped), each ending in a newline."""
        normalize = self.options.normalize
        if normalize is not None:
            text = normalize_text(text, normalize)
        lines = (self.segment_line(line) for line in text.removesuffix("\n").split("\n"))
        if normalize is not None and normalize.split_sentences:
            return "".join(line + "\n" for line in lines if line)
        return "".join(line + "\n" for line in lines)


def _pieces(block):
    """Cut a block of whole lines into pieces of about PIECE_BYTES bytes, at line ends."""
    start = 0
    while start < len(block):
        end = block.find(b"\n", min(start + PIECE_BYTES, len(block)) - 1) + 1 or len(block)
        yield block[start:end]
        start = end


_worker_segmenter = None


def _prepare_segmenter(options):
    global _worker_segmenter
    if _worker_segmenter is None or _worker_segmenter.options != options:
        _worker_segmenter = Segmenter(options)
    return _worker_segmenter


def _start_worker(options):
    # The parent handles Ctrl-C and SIGTERM and ends its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _prepare_segmenter(options)


def _segment_piece(piece):
    return _worker_segmenter.segment_text(piece.decode("utf-8")).encode("utf-8")


def segment_file(path, output, options=SegmentOptions(), workers=1, encoding="utf-8", quiet=False):
    """Segment text file `path` into `output` (written only when complete)."""
    # Built before the pool so that forked workers inherit the loaded dictionary.
    _prepare_segmenter(options)
    progress = Progress("segmenting", quiet=quiet, unit="B")
    pool = None
    try:
        with atomic_output(output) as out:
            if workers > 1:
                pool = multiprocessing.Pool(workers, initializer=_start_worker, initargs=(options,))
            for block, _ in iter_line_blocks(path, encoding):
                pieces = list(_pieces(block))
                results = pool.imap(_segment_piece, pieces) if pool else map(_segment_piece, pieces)
                for piece, result in zip(pieces, results):
                    out.write(result)
                    progress.advance(len(piece))
            if pool is not None:
                pool.close()
                pool.join()
                pool = None
    finally:
        if pool is not None:
            pool.terminate()
        progress.close()
