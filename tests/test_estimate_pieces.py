"""Estimation in pieces: one order's rows cut at contexts and estimated in parallel threads
give the same model, byte for byte, as the rows estimated whole."""

import numpy as np
from conftest import REFERENCE

from ngramkit.arpa import read_arpa
from ngramkit.estimate import pieces
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
