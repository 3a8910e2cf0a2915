"""Normalisation and `ngramkit segment`: plain jieba's tokens, lexicon-only tokens,
character splitting, line alignment, workers, clean errors."""

import gzip
import re
from pathlib import Path

import jieba
import pytest
from conftest import DATA

import ngramkit.segment
from ngramkit.cli.main import main
from ngramkit.normalize import NormalizeOptions, normalize_text, zh_integer
from ngramkit.segment import Segmenter, SegmentOptions

SAMPLES = DATA / "segment"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "zh"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpora/zh is absent")

# The normalisation that reproduces ../shared/corpora/zh/test.txt.gz from its raw text.
ZH_RECIPE = ["--zh-numbers", "--join-cjk", "--remove-urls"]


def lines(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return f.read().split("\n")[:-1]


def segment(cli, tmp_path, text, *options):
    source = tmp_path / "in.txt"
    source.write_text(text, encoding="utf-8")
    status, out, err = cli(main, ["segment", "-q", source, *options])
    assert status == 0, err
    return out


def agreement(ours, reference):
    """Share of tokens that sit at the same character span in both segmentations of a line."""
    def spans(line):
        out, at = set(), 0
        for token in line.split():
            out.add((at, token))
            at += len(token)
        return out

    same = total = 0
    for a, b in zip(ours, reference, strict=True):
        same += len(spans(a) & spans(b))
        total += len(b.split())
    return same / total


@pytest.mark.parametrize("raw, expected", [
    ("ＡＢＣ　１２３，你好。", "abc 123 你好"),
    ("Hello, World! It's 1,000.5 dollars... 'quoted' 3.14.", "hello world it's 1000.5 dollars quoted 3.14"),
    ("don\u2019t\u200b stop", "don't stop"),
    ("川·立派──│┼《詩經》", "川 立派 詩經"),
    ("  a \t b  \n\n c ", "a b\n\nc"),
])
def test_normalize_defaults(raw, expected):
    assert normalize_text(raw) == expected


def test_normalize_options_off():
    assert normalize_text("ＡＢ，Ｃ", NormalizeOptions(halfwidth=False, lowercase=False,
                                                   remove_punctuation=False)) == "ＡＢ，Ｃ"
    assert normalize_text("ＡＢ，Ｃ", NormalizeOptions(lowercase=False, remove_punctuation=False)) == "AB,C"


@pytest.mark.parametrize("digits, reading", [
    ("0", "零"), ("10", "十"), ("15", "十五"), ("180", "一百八十"), ("2000", "二千"),
    ("5010", "五千零一十"), ("45807", "四万五千八百零七"), ("71400779", "七千一百四十万零七百七十九"),
    ("100000", "十万"), ("1000001", "一百万零一"), ("07", "零七"),
])
def test_zh_integer(digits, reading):
    assert zh_integer(digits) == reading


def test_zh_recipe_normalisation():
    options = NormalizeOptions(zh_numbers=True, join_cjk=True, remove_urls=True)
    assert (normalize_text("1998年，87.6%的人 收入226.6万，113年 见 https://a.b/c 或 bug@gnu.org。詩經‧ 國風",
                           options)
            == "一九九八年百分之八十七点六的人收入二百二十六点六万一百一十三年见或詩經國風")


def test_same_tokens_as_plain_jieba(cli, tmp_path):
    out = segment(cli, tmp_path, (SAMPLES / "raw.txt").read_text(encoding="utf-8"))
    assert out.split("\n")[:-1] == lines(SAMPLES / "jieba.txt")


def test_zh_recipe_matches_corpus_segmentation(cli, tmp_path):
    out = segment(cli, tmp_path, (SAMPLES / "raw.txt").read_text(encoding="utf-8"), *ZH_RECIPE)
    assert agreement(out.split("\n")[:-1], lines(SAMPLES / "reference.txt")) == 1.0


@needs_corpus
def test_full_test_set_matches_jieba_and_corpus(cli, tmp_path):
    raw = lines(CORPUS / "raw" / "test.txt.gz")
    out = tmp_path / "out.txt"
    status, _, err = cli(main, ["segment", "-q", CORPUS / "raw" / "test.txt.gz", "-o", out])
    assert status == 0, err
    assert lines(out) == [" ".join(t for t in jieba.cut(normalize_text(line)) if not t.isspace())
                          for line in raw]
    status, _, err = cli(main, ["segment", "-q", *ZH_RECIPE, CORPUS / "raw" / "test.txt.gz", "-o", out])
    assert status == 0, err
    assert agreement(lines(out), lines(CORPUS / "test.txt.gz")) > 0.9997


def test_empty_lines_stay_aligned(cli, tmp_path):
    assert segment(cli, tmp_path, "\n我们在北京\n\n。。。\nabc\n") == "\n我们 在 北京\n\n\nabc\n"
    assert segment(cli, tmp_path, "我们\n在北京") == "我们\n在 北京\n"


def test_chars_keep_latin_words_and_numbers(cli, tmp_path):
    assert segment(cli, tmp_path, "iPhone12手机 3.14元 don't\n", "--chars") == "iphone12 手 机 3.14 元 don't\n"


def test_lexicon_words_or_single_characters(cli, tmp_path):
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("<unk> spn\n中国 zh ong1 g uo2\n政府 zh eng4 f u3\n中国政府 x\n人民 r en2 m in2\n"
                       "北京 b ei3 j ing1\nSIL sil\n", encoding="utf-8")
    assert segment(cli, tmp_path, "中国政府赠送药品\n人民北京abc\n", "--lexicon", lexicon) == \
        "中国政府 赠 送 药 品\n人民 北京 abc\n"
    words = {line.split()[0] for line in lexicon.read_text(encoding="utf-8").splitlines()}
    out = segment(cli, tmp_path, (SAMPLES / "raw.txt").read_text(encoding="utf-8"), "--lexicon", lexicon)
    tokens = out.split()
    assert {"中国", "政府", "人民", "北京"} <= set(tokens)
    # Latin words and numbers stay whole: the only tokens that are neither words nor characters.
    assert all(t in words or len(t) == 1 or re.fullmatch(r"[a-z0-9]+", t) for t in tokens)


def test_kaldi_words_txt_as_lexicon(cli, tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("<eps> 0\n人民 1\n北京 2\n#0 3\n", encoding="utf-8")
    assert segment(cli, tmp_path, "北京人民\n", "--lexicon", words) == "北京 人民\n"


def test_user_words_join_default_dictionary(cli, tmp_path):
    words = tmp_path / "user.txt"
    words.write_text("创新办\n", encoding="utf-8")
    assert segment(cli, tmp_path, "他是创新办主任\n") == "他 是 创新 办 主任\n"
    assert segment(cli, tmp_path, "他是创新办主任\n", "--user-words", words) == "他 是 创新办 主任\n"


def test_two_workers_byte_identical(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(ngramkit.segment, "PIECE_BYTES", 2000)
    raw = SAMPLES / "raw.txt"
    for workers in (1, 2):
        status, _, err = cli(main, ["segment", "-q", "--workers", workers, raw, "-o",
                                    tmp_path / f"out{workers}.txt.gz"])
        assert status == 0, err
    assert (gzip.decompress((tmp_path / "out1.txt.gz").read_bytes())
            == gzip.decompress((tmp_path / "out2.txt.gz").read_bytes()))
    assert lines(tmp_path / "out2.txt.gz") == lines(SAMPLES / "jieba.txt")


def test_normalize_command(cli, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("Call me Ishmael. Some years ago—never mind how long\n\n", encoding="utf-8")
    status, out, _ = cli(main, ["normalize", "-q", source])
    assert (status, out) == (0, "call me ishmael\nsome years ago never mind how long\n")
    status, out, _ = cli(main, ["normalize", "-q", "--keep-lines", source])
    assert (status, out) == (0, "call me ishmael some years ago never mind how long\n\n")


def test_segmenter_is_plain_jieba_without_normalisation():
    segmenter = Segmenter(SegmentOptions(normalize=None))
    assert segmenter.segment_text("我来到北京清华大学，ABC\n") == "我 来到 北京 清华大学 ， ABC\n"


def test_missing_input(cli, tmp_path):
    status, out, err = cli(main, ["segment", tmp_path / "absent.txt", "-o", tmp_path / "out.txt"])
    assert status == 3
    assert err == f"ngramkit segment: {tmp_path / 'absent.txt'}: no such file\n"
    assert not (tmp_path / "out.txt").exists()


def test_non_utf8_names_line(cli, tmp_path):
    source = tmp_path / "gbk.txt"
    source.write_bytes("abc\n北京\n".encode("gbk"))
    status, _, err = cli(main, ["segment", source, "-o", tmp_path / "out.txt"])
    assert status == 5
    assert err.startswith(f"ngramkit segment: {source}:2: invalid utf-8 byte 0xb1") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == [source]
    status, out, _ = cli(main, ["segment", "-q", "--encoding", "gbk", source])
    assert (status, out) == (0, "abc\n北京\n")


def test_empty_lexicon(cli, tmp_path):
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("\n<eps> 0\n", encoding="utf-8")
    source = tmp_path / "in.txt"
    source.write_text("北京\n", encoding="utf-8")
    status, _, err = cli(main, ["segment", source, "--lexicon", lexicon])
    assert status == 8
    assert err == f"ngramkit segment: {lexicon}: word list holds no words\n"
