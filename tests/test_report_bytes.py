"""`ngramkit report --encoding bytes` on a GBK model and text: its numbers are SRILM's `ngram
-encoding bytes -ppl` outputs (tests/data/bytes/zh, from SRILM 1.7.3 on the same files), the
words are shown with their bytes that are not UTF-8 as \\xNN."""

import html
import re

import pytest
from click.testing import CliRunner
from test_bytes import BYTES_DATA, gbk, gbk_model  # noqa: F401  (fixtures)
from test_report import Stats, srilm_totals

from ngramkit.cli.main import main
from ngramkit.report import build_report

pytest.importorskip("matplotlib")


def srilm_gbk_sentences(path):
    """Per sentence of SRILM's -debug 1 output (bytes): (words as bytes, ppl as printed)."""
    blocks = path.read_bytes().split(b"\n\n")
    out = []
    for block in blocks:
        lines = block.strip(b"\n").split(b"\n")
        if len(lines) == 3 and b"sentences" in lines[1]:
            out.append((lines[0].split(), re.search(rb"ppl= (\S+)", lines[2]).group(1).decode()))
    return out


def shown_as(word):
    """A GBK word as the page shows it: its bytes that are not UTF-8 as \\xNN."""
    return word.decode("utf-8", "backslashreplace")


def test_gbk_report_is_srilms_perplexity(gbk, gbk_model):  # noqa: F811
    page = build_report(str(gbk_model), text=str(gbk / "test.gbk.txt"), quiet=True, encoding="bytes")
    stats = Stats(page)
    # SRILM: 1000 sentences, 18650 words, 3049 OOVs / 0 zeroprobs, logprob= -50222.75 ppl= 1059.948
    totals = srilm_totals(BYTES_DATA / "zh" / "mkn3.gbk.ppl0.txt")
    assert totals["ppl"] == "1059.948"
    for key, value in totals.items():
        assert stats.get(key) == [value], key
    assert stats.get("oov-count"), "the OOV table lists words"


def test_gbk_report_shows_srilms_sentences_and_words(gbk, gbk_model):  # noqa: F811
    page = build_report(str(gbk_model), text=str(gbk / "test20.gbk.txt"), worst=3, quiet=True,
                        encoding="bytes")
    reference = srilm_gbk_sentences(BYTES_DATA / "zh" / "mkn3.gbk.ppl1.txt")
    assert len(reference) == 20
    shown = [(int(s), text) for stat, _, s, text in Stats(page).found if stat == "sentence-ppl"]
    by_ppl = sorted(range(20), key=lambda i: -float(reference[i][1]))
    assert [s for s, _ in shown] == by_ppl[:3]
    for s, ppl in shown:
        assert ppl == reference[s][1]
        sentence = page[page.index(f'data-sentence="{s}"'):]
        sentence = sentence[:sentence.index("</div>")]
        words = [html.unescape(w) for w in re.findall(r'title="[^"]*">([^<]+)<sub>', sentence)]
        assert words == [shown_as(w) for w in reference[s][0]] + ["</s>"]
        assert any("\\x" in w for w in words)  # GBK bytes that are not UTF-8 are escaped


def test_gbk_report_command(gbk, gbk_model, tmp_path):  # noqa: F811
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", str(gbk_model), "-o", str(out), "--text",
                                       str(gbk / "test20.gbk.txt"), "--encoding", "bytes", "-q"])
    assert result.exit_code == 0, result.output
    assert Stats(out.read_text(encoding="utf-8")).get("ppl")
    # without it the model is refused in one line naming the file and line
    result = CliRunner().invoke(main, ["report", str(gbk_model), "-o", str(out), "-q"])
    assert result.exit_code != 0
    assert re.search(r"mkn3\.gbk\.arpa:\d+: invalid UTF-8 in a word", result.output)
