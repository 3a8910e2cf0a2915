import gzip
import math
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_ngram

from ngramkit.arpa import read_arpa
from ngramkit.cli.ngram import ngram
from ngramkit.perplexity import PerplexityScorer

DATA = Path(__file__).parent / "data" / "reference"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"


def ppl_runs(root):
    """(lang dir, argv, expected output path) for every `ngram -ppl` call of the
    reference cmd files whose model and output are under `root`."""
    runs = []
    for cmd in sorted(root.glob("*/srilm/*.cmd.txt")):
        for line in cmd.read_text().splitlines():
            words = shlex.split(line)
            if not words or words[0] != "ngram" or "-ppl" not in words or "-mix-lm" in words:
                continue
            stdout = next(w for w in words if w.startswith(">"))
            argv = [w for w in words[1:] if not w.startswith(">") and not w.startswith("2>")]
            expected = cmd.parent / stdout.lstrip(">")
            lm = cmd.parent / (argv[argv.index("-lm") + 1] + ".gz")
            if expected.exists() and lm.exists():
                argv[argv.index("-lm") + 1] = str(lm)
                runs.append(pytest.param(cmd.parent.parent, argv, expected, id=f"{cmd.parent.parent.name}/{expected.name}"))
    return runs


@pytest.fixture(scope="module")
def text_dirs(tmp_path_factory):
    """Per language, a directory holding test.txt and test20.txt, as the references were run."""
    made = {}

    def get(lang_dir):
        if lang_dir not in made:
            where = tmp_path_factory.mktemp(lang_dir.name)
            with gzip.open(lang_dir / "test.txt.gz", "rb") as f:
                text = f.read()
            (where / "test.txt").write_bytes(text)
            (where / "test20.txt").write_bytes(b"".join(text.splitlines(keepends=True)[:20]))
            made[lang_dir] = where
        return made[lang_dir]

    return get


LOCAL_RUNS = ppl_runs(DATA)
SHARED_RUNS = ppl_runs(SHARED) if SHARED.is_dir() else []


def test_local_copies_cover_every_debug_level():
    names = {p.values[2].name for p in LOCAL_RUNS}
    assert {"mkn3.ppl0.txt", "mkn3.ppl1.txt", "mkn3.ppl2.txt", "mkn3-unk-vocab.ppl2.txt"} <= names
    assert any(p.values[0].name == "zh" for p in LOCAL_RUNS)


@pytest.mark.parametrize("lang_dir, argv, expected", LOCAL_RUNS)
def test_ppl_matches_srilm_byte_for_byte(lang_dir, argv, expected, text_dirs, capsysbinary):
    assert run_ngram(argv, text_dirs(lang_dir), capsysbinary) == expected.read_bytes()


@pytest.mark.skipif(not SHARED_RUNS, reason="shared reference outputs not available")
@pytest.mark.parametrize("lang_dir, argv, expected", SHARED_RUNS)
def test_ppl_matches_srilm_shared(lang_dir, argv, expected, text_dirs, capsysbinary):
    assert run_ngram(argv, text_dirs(lang_dir), capsysbinary) == expected.read_bytes()


def test_stats_and_cross_entropy(text_dirs):
    model = read_arpa(DATA / "en" / "srilm" / "mkn3.arpa.gz")
    stats = PerplexityScorer(model).score_file(text_dirs(DATA / "en") / "test.txt")
    # file test.txt: 1000 sentences, 22456 words, 1317 OOVs / logprob= -54576.46 ppl= 291.8588
    assert (stats.sentences, stats.words, stats.oovs, stats.zeroprobs) == (1000, 22456, 1317, 0)
    assert f"{stats.logprob:.7g}" == "-54576.46"
    assert f"{stats.ppl():.7g}" == "291.8588"
    assert stats.bits_per_word() == pytest.approx(math.log2(stats.ppl()))


def test_write_lm_round_trip(tmp_path, capsysbinary):
    src = DATA / "en" / "srilm" / "gt3-cut.arpa.gz"
    out = tmp_path / "copy.arpa"
    ngram(["-lm", str(src), "-write-lm", str(out)])
    with gzip.open(src, "rt") as f:
        assert sorted(out.read_text().splitlines()) == sorted(f.read().splitlines())


def test_order_truncation(tmp_path):
    out = tmp_path / "bigram.arpa"
    ngram(["-lm", str(DATA / "en" / "srilm" / "mkn3.arpa.gz"), "-order", "2", "-write-lm", str(out)])
    model = read_arpa(out)
    assert model.sizes() == [12040, 63039]


def test_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.arpa"
    bad.write_text("\\data\\\nngram 1=2\n\n\\1-grams:\n-1\ta\n-1x\tb\n\\end\\\n")
    proc = subprocess.run([sys.executable, "-m", "ngramkit.cli.ngram", "-lm", str(bad), "-ppl", "x"],
                          capture_output=True, text=True)
    assert proc.returncode == 4
    assert proc.stderr.strip() == f"ngram: {bad}:6: log probability is not a number"
    proc = subprocess.run([sys.executable, "-m", "ngramkit.cli.ngram", "-lm", str(bad), "-bogus"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_ngramkit_ppl_command(text_dirs):
    from click.testing import CliRunner

    from ngramkit.cli.main import main

    where = text_dirs(DATA / "en")
    result = CliRunner().invoke(main, ["ppl", str(DATA / "en" / "srilm" / "mkn3.arpa.gz"), str(where / "test.txt")])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[1] == "0 zeroprobs, logprob= -54576.46 ppl= 291.8588 ppl1= 381.7596"
    assert float(lines[2].split()[1]) == pytest.approx(math.log2(291.8588), abs=1e-5)
