"""Estimation in pieces: one order's rows cut at contexts and estimated in parallel threads
give the same model, byte for byte, as the rows estimated whole."""

import numpy as np
from conftest import REFERENCE

from ngramkit.arpa import read_arpa
from ngramkit.counting import count_text
from ngramkit.estimate import pieces
from ngramkit.estimate.adjust import continuation_counts
from ngramkit.estimate.policy import SRILM
from ngramkit.training import lmplz, train


def test_pieces_start_at_contexts(monkeypatch):
    monkeypatch.setattr(pieces, "PIECE_ROWS", 1)
    monkeypatch.setattr(pieces, "available_cores", lambda: 3)
    rows = np.array([[0, 1], [0, 2], [1, 0], [1, 1], [1, 2], [2, 0]], dtype=np.int32)
    # cuts near rows 2 and 4 move to the ends of the contexts holding rows 1 and 3
    assert pieces.context_pieces(rows, 1) == [0, 2, 5, 6]
    # width 0: one context, one piece
    assert pieces.context_pieces(rows, 0) == [0, 6]
    assert pieces.in_pieces(lambda piece, lo, hi: (piece, hi - lo), [0, 2, 5, 6]) == [(0, 2), (1, 3), (2, 1)]


def test_row_and_group_pieces(monkeypatch):
    monkeypatch.setattr(pieces, "PIECE_ROWS", 1)
    monkeypatch.setattr(pieces, "available_cores", lambda: 3)
    # 7 rows in thirds: cuts at 7 // 3 = 2 and 14 // 3 = 4
    assert pieces.row_pieces(7) == [0, 2, 4, 7]
    assert pieces.row_pieces(0) == [0, 0]
    # groups of rows 0:3, 3:3 (none), 3:4, 4:7: the row cuts 2 and 4 move to the first groups
    # starting at or after them, groups 1 (row 3) and 3 (row 4)
    first = np.array([0, 3, 3, 4, 7], dtype=np.int32)
    assert pieces.group_pieces(first) == [0, 1, 3, 4]
    # fewer rows than pieces: one piece
    monkeypatch.setattr(pieces, "PIECE_ROWS", 4)
    assert pieces.group_pieces(first) == [0, 4]


def test_continuation_counts_in_pieces(tmp_path, monkeypatch):
    # bigrams: <s> a x2, a b x2, <s> c, c b, b </s> x3, as in test_estimate; in three pieces
    # of bigrams, each counting predecessors into its own array
    monkeypatch.setattr(pieces, "PIECE_ROWS", 1)
    monkeypatch.setattr(pieces, "available_cores", lambda: 3)
    text = tmp_path / "t.txt"
    text.write_text("a b\na b\nc b\n")
    counts = count_text([text], 2)
    vocab = counts.vocab
    assert len(pieces.row_pieces(len(counts.ngrams[1]))) == 4
    adjusted = continuation_counts(counts.ngrams[0], counts.counts[0], counts.ngrams[1], counts.counts[1],
                                   SRILM.nonevents(vocab, unk=False))
    by_word = {vocab.words[row[0]]: int(c) for row, c in zip(counts.ngrams[0], adjusted)}
    # <s> keeps its raw count; b follows a and c; a, c and </s> have one predecessor each
    assert by_word == {"<s>": 3, "a": 1, "b": 2, "c": 1, "</s>": 1}


def _models(tmp_path, monkeypatch, make):
    whole, cut = tmp_path / "whole.arpa", tmp_path / "pieces.arpa"
    make(whole)
    monkeypatch.setattr(pieces, "PIECE_ROWS", 64)
    monkeypatch.setattr(pieces, "available_cores", lambda: 3)
    make(cut)
    return whole, cut


def test_lmplz_in_pieces_is_lmplz_whole(tmp_path, monkeypatch):
    text = REFERENCE / "en" / "train.txt.gz"
    whole, cut = _models(tmp_path, monkeypatch,
                         lambda out: lmplz(text, 4, memory="2G", temp_dir=tmp_path, progress=False, output=out))
    assert cut.read_bytes() == whole.read_bytes()
    assert read_arpa(whole).sizes()[3] > 3 * 64  # the highest order was cut in pieces


def test_srilm_in_pieces_is_srilm_whole(tmp_path, monkeypatch):
    text = REFERENCE / "en" / "train.txt.gz"
    whole, cut = _models(tmp_path, monkeypatch,
                         lambda out: train(text, order=3, cutoffs=[1, 1, 2], progress=False, output=out))
    assert cut.read_bytes() == whole.read_bytes()
