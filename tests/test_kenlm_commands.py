"""KenLM's command names: `lmplz`, `build_binary` and `query` as recipes call them.

ESPnet's ngram stage (egs2/TEMPLATE/asr1/asr.sh) and NeMo's train_kenlm.py run unchanged,
through a shell or subprocess, with ngramkit's scripts first on PATH: the ARPA files agree
with KenLM's lmplz (same n-grams, values within 1e-4, as in test_lmplz.py) and the binaries
score exactly as the kenlm module scores them. `query` prints byte for byte what KenLM's
query prints (tests/make_kenlm_command_samples.py made the expected outputs with KenLM
itself; with ../shared/anchors present, KenLM's programs are run here too).
"""

import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA
from make_kenlm_command_samples import QUERY_FLAGS, QUERY_MODELS, WORD_LEVEL_SENTENCES
from test_estimate_srilm import largest_difference

import ngramkit
from ngramkit.arpa import read_arpa
from ngramkit.cli import query as query_cmd
from ngramkit.kenlm_query import kenlm_double_text, put_kenlm_float32, query

kenlm = pytest.importorskip("kenlm")

ROOT = Path(__file__).resolve().parents[1]
ANCHOR = ROOT.parent / "shared" / "anchors" / "kenlm" / "bin"
needs_anchor = pytest.mark.skipif(not (ANCHOR / "lmplz").exists(), reason="../shared/anchors/kenlm is absent")
COMMANDS = DATA / "kenlm" / "commands"
QUERY = DATA / "kenlm" / "query"
TOLERANCE = 1e-4
KENLM_NAMES = ("lmplz", "build_binary", "query")


def console_scripts():
    """[project.scripts] of pyproject.toml: name -> (module, function)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[project.scripts]")[1].split("\n[")[0]
    return {name: tuple(target.split(":")) for name, target in
            re.findall(r'(?m)^([\w-]+)\s*=\s*"([\w.]+:\w+)"', section)}


@pytest.fixture(scope="module")
def bin_dir(tmp_path_factory):
    """A folder holding ngramkit's KenLM-named console scripts, as `pip install` makes them."""
    folder = tmp_path_factory.mktemp("bin")
    for name, (module, function) in console_scripts().items():
        if name in KENLM_NAMES:
            script = folder / name
            script.write_text(f"#!{sys.executable}\nimport sys\nfrom {module} import {function}\n"
                              f"sys.exit({function}())\n")
            script.chmod(0o755)
    return folder


def environment(bin_dir):
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def test_console_scripts_are_declared():
    scripts = console_scripts()
    assert scripts["lmplz"] == ("ngramkit.cli.lmplz_cmd", "main")
    assert scripts["query"] == ("ngramkit.cli.query", "main")
    assert scripts["build_binary"] == ("ngramkit.cli.build_binary", "main")


def scoring_sentences():
    with gzip.open(DATA / "reference" / "en" / "test.txt.gz", "rt", encoding="utf-8") as f:
        return [next(f).strip() for _ in range(50)]


def assert_arpa_like(ours_path, reference_path):
    worst = largest_difference(read_arpa(ours_path), read_arpa(reference_path), 0.0)
    assert worst < TOLERANCE, f"{ours_path}: largest difference {worst}"


def assert_binary_scores_like_kenlm(binary, arpa, sentences):
    """ngramkit and kenlm score the binary the same, and as kenlm scores the ARPA (within the
    quantization-free float32 of both)."""
    ours, theirs, from_arpa = ngramkit.Model(binary), kenlm.Model(str(binary)), kenlm.Model(str(arpa))
    for sentence in sentences:
        assert ours.score(sentence) == theirs.score(sentence), sentence
        assert theirs.score(sentence) == pytest.approx(from_arpa.score(sentence), abs=1e-4)
        assert [(n, oov) for _, n, oov in ours.full_scores(sentence)] == \
            [(n, oov) for _, n, oov in theirs.full_scores(sentence)]


ESPNET_STAGE = """set -e
set -u
set -o pipefail
ngram_num=3
ngram_exp=exp/ngram
data_feats=dump/raw
mkdir -p ${ngram_exp}
cut -f 2- -d " " ${data_feats}/lm_train.txt | lmplz -S "20%" --discount_fallback -o ${ngram_num} - >${ngram_exp}/${ngram_num}gram.arpa
build_binary -s ${ngram_exp}/${ngram_num}gram.arpa ${ngram_exp}/${ngram_num}gram.bin
"""


def run_espnet_stage(workdir, env):
    (workdir / "dump" / "raw").mkdir(parents=True)
    shutil.copy(COMMANDS / "lm_train.txt", workdir / "dump" / "raw" / "lm_train.txt")
    done = subprocess.run(["bash", "-c", ESPNET_STAGE], cwd=workdir, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return workdir / "exp" / "ngram" / "3gram.arpa", workdir / "exp" / "ngram" / "3gram.bin", done.stderr


def test_espnet_ngram_stage(bin_dir, tmp_path):
    arpa, binary, stderr = run_espnet_stage(tmp_path, environment(bin_dir))
    assert "Statistics:" in stderr and "SUCCESS" in stderr
    assert_arpa_like(arpa, COMMANDS / "espnet-3gram.arpa.gz")
    assert binary.read_bytes().startswith(b"mmap lm http://kheafield.com/code format version 5\n")
    assert_binary_scores_like_kenlm(binary, arpa, scoring_sentences())


@needs_anchor
def test_espnet_ngram_stage_matches_kenlms_programs(bin_dir, tmp_path):
    ours_arpa, ours_bin, _ = run_espnet_stage(tmp_path / "ours", environment(bin_dir))
    theirs_arpa, theirs_bin, _ = run_espnet_stage(tmp_path / "kenlm", environment(ANCHOR))
    assert_arpa_like(ours_arpa, theirs_arpa)
    # build_binary writes what KenLM's build_binary writes from the same ARPA file
    again = tmp_path / "kenlm-of-ours.bin"
    subprocess.run([str(ANCHOR / "build_binary"), "-s", str(ours_arpa), str(again)], check=True,
                   capture_output=True)
    assert ours_bin.read_bytes() == again.read_bytes()


def nemo_train_kenlm(kenlm_bin_path, kenlm_model_file, ngram_length, encoding_level, lines, env):
    """The commands of NeMo's scripts/asr_language_modeling/ngram_lm/train_kenlm.py (no cache_path):
    lmplz fed on stdin by kenlm_utils.iter_files, then build_binary trie."""
    discount_arg = "--discount_fallback" if encoding_level == "subword" else ""
    arpa_file = f"{kenlm_model_file}.tmp.arpa"
    kenlm_args = [os.path.join(kenlm_bin_path, "lmplz"), "-o", str(ngram_length), "--arpa", arpa_file,
                  discount_arg, "--prune"] + [str(n) for n in [0]]
    kenlm_p = subprocess.Popen(kenlm_args, stdout=subprocess.DEVNULL, stdin=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    for line in lines:
        kenlm_p.stdin.write((line + "\n").encode())
    _, err = kenlm_p.communicate()
    assert kenlm_p.returncode == 0, err.decode()
    kenlm_args = [os.path.join(kenlm_bin_path, "build_binary"), "trie", arpa_file, kenlm_model_file]
    ret = subprocess.run(kenlm_args, capture_output=True, text=True, env=env)
    assert ret.returncode == 0, ret.stderr
    return Path(arpa_file), Path(kenlm_model_file)


def nemo_lines(name):
    # not splitlines(): U+0085 and U+001C..U+001E, tokens here, are line breaks to it
    return (COMMANDS / name).read_text(encoding="utf-8").rstrip("\n").split("\n")


def test_nemo_subword_lm(bin_dir, tmp_path):
    lines = nemo_lines("nemo-subword.txt")
    arpa, binary = nemo_train_kenlm(str(bin_dir), str(tmp_path / "lm.bin"), 4, "subword", lines,
                                    environment(bin_dir))
    assert_arpa_like(arpa, COMMANDS / "nemo-subword-4gram.arpa.gz")
    # the tokens are characters from chr(100): some (U+0085, U+00A0) are spaces to Python, not to KenLM
    assert any("\x85" in line or "\xa0" in line for line in lines)
    assert_binary_scores_like_kenlm(binary, arpa, lines[:50])


def test_nemo_char_lm_passes_an_empty_argument(bin_dir, tmp_path):
    lines = [line.split(" ", 1)[1] for line in nemo_lines("lm_train.txt")]
    arpa, binary = nemo_train_kenlm(str(bin_dir), str(tmp_path / "lm.bin"), 3, "char", lines, environment(bin_dir))
    # no discount needed a fallback, so this is the model of ESPnet's run on the same text
    assert_arpa_like(arpa, COMMANDS / "espnet-3gram.arpa.gz")
    assert_binary_scores_like_kenlm(binary, arpa, scoring_sentences())


@needs_anchor
def test_nemo_subword_lm_matches_kenlms_programs(bin_dir, tmp_path):
    lines = nemo_lines("nemo-subword.txt")
    ours_arpa, ours_bin = nemo_train_kenlm(str(bin_dir), str(tmp_path / "ours.bin"), 4, "subword", lines,
                                           environment(bin_dir))
    theirs_arpa, _ = nemo_train_kenlm(str(ANCHOR), str(tmp_path / "kenlm.bin"), 4, "subword", lines,
                                      dict(os.environ))
    assert_arpa_like(ours_arpa, theirs_arpa)
    again = tmp_path / "kenlm-of-ours.bin"
    subprocess.run([str(ANCHOR / "build_binary"), "trie", str(ours_arpa), str(again)], check=True,
                   capture_output=True)
    assert ours_bin.read_bytes() == again.read_bytes()


def test_lmplz_order_spellings(bin_dir, tmp_path):
    """boost::program_options' spellings of one option give one model; stray arguments are ignored."""
    env = environment(bin_dir)
    text = (COMMANDS / "lm_train.txt").read_bytes()
    outputs = []
    for args in (["-o", "2"], ["-o2"], ["--order=2"], ["--order", "2", "-", ""]):
        done = subprocess.run(["lmplz", "-S", "100M", *args], input=text, capture_output=True, env=env)
        assert done.returncode == 0, done.stderr.decode()
        outputs.append(done.stdout)
    assert b"\\data\\\nngram 1=" in outputs[0][:20]
    assert all(out == outputs[0] for out in outputs)


@pytest.mark.parametrize("args,message", [
    (["-o", "3", "--verbose_header"], "--verbose_header"),
    (["-o", "3", "--intermediate", "x"], "--intermediate"),
    (["-o", "3", "--collapse_values"], "--collapse_values"),
    (["-o", "3", "--vocab_pad", "100"], "--vocab_pad"),
])
def test_lmplz_refuses_outputs_it_cannot_make(bin_dir, args, message):
    done = subprocess.run(["lmplz", *args], input=b"a b c\n", capture_output=True, env=environment(bin_dir))
    assert done.returncode == 2 and message in done.stderr.decode()
    assert len(done.stderr.decode().splitlines()) == 1


def test_lmplz_accepts_kenlms_sizing_flags(bin_dir, tmp_path):
    env = environment(bin_dir)
    text = (COMMANDS / "lm_train.txt").read_bytes()
    plain = subprocess.run(["lmplz", "-o", "2"], input=text, capture_output=True, env=env, check=True).stdout
    sized = subprocess.run(["lmplz", "-o", "2", "-S", "1G", "-T", str(tmp_path), "-s", "64M", "--minimum_block",
                            "8K", "--block_count", "2", "--vocab_estimate", "1000", "--vocab_pad", "0",
                            "--renumber", "--interpolate_unigrams", "1"], input=text, capture_output=True,
                           env=env, check=True).stdout
    assert sized == plain


# ---- query ----

def run_query(model, flags, text_path):
    options, path = query_cmd.parse_args(flags.split() + [str(model)])
    out = io.BytesIO()
    query(path, str(text_path), out=out, **options)
    return out.getvalue().decode("utf-8")


@pytest.mark.parametrize("model", QUERY_MODELS)
def test_query_prints_what_kenlm_prints(model):
    expected = json.loads((QUERY / "expected.json").read_text(encoding="utf-8"))
    for flags in QUERY_FLAGS:
        assert run_query(DATA / "kenlm" / model, flags, QUERY / "queries.txt") == expected[f"{model}|{flags}"], flags


def test_query_on_a_real_model(tmp_path):
    o3 = DATA / "reference" / "en" / "kenlm" / "o3.arpa.gz"
    with gzip.open(DATA / "reference" / "en" / "test.txt.gz", "rb") as f:
        test = f.read()
    head = tmp_path / "head.txt"
    head.write_bytes(b"".join(test.splitlines(keepends=True)[:WORD_LEVEL_SENTENCES]))
    full = tmp_path / "test.txt"
    full.write_bytes(test)
    with gzip.open(QUERY / "o3-head.query.txt.gz", "rt", encoding="utf-8") as f:
        assert run_query(o3, "", head) == f.read()
    with gzip.open(QUERY / "o3.sentence.query.txt.gz", "rt", encoding="utf-8") as f:
        expected = f.read()
    assert run_query(o3, "-v sentence -v summary", full) == expected
    # the reference's summary: KenLM query on en o3 (shared/reference/README.md)
    assert "Perplexity including OOVs:\t404.1736300975588\nPerplexity excluding OOVs:\t285.8535380685256\n" \
           "OOVs:\t1317\nTokens:\t23456\n" in expected


@needs_anchor
@pytest.mark.parametrize("layout", ["probing", "trie", "-q 8 -b 8 trie"])
def test_query_on_kenlm_binaries_of_a_real_model(tmp_path, layout):
    """Word-level output on the whole test text, ids included, equals KenLM's for its binaries."""
    o3 = DATA / "reference" / "en" / "kenlm" / "o3.arpa.gz"
    binary = tmp_path / "o3.bin"
    subprocess.run([str(ANCHOR / "build_binary"), *layout.split(), str(o3), str(binary)], check=True,
                   capture_output=True)
    with gzip.open(DATA / "reference" / "en" / "test.txt.gz", "rb") as f:
        test = f.read()
    text = tmp_path / "test.txt"
    text.write_bytes(test)
    theirs = subprocess.run([str(ANCHOR / "query"), str(binary)], input=test, capture_output=True, check=True)
    assert run_query(binary, "", text) == theirs.stdout.decode("utf-8")


def test_query_script_stderr(bin_dir, tmp_path):
    env = environment(bin_dir)
    queries = (QUERY / "queries.txt").read_bytes()
    done = subprocess.run(["query", str(DATA / "kenlm" / "test.q8b8a22.trie")], input=queries,
                          capture_output=True, env=env)
    assert done.returncode == 0
    expected = json.loads((QUERY / "expected.json").read_text(encoding="utf-8"))
    assert done.stdout.decode() == expected["test.q8b8a22.trie|"]
    lines = done.stderr.decode().splitlines()
    assert lines[0] == "This binary file contains trie with quantization and array-compressed pointers."
    assert re.fullmatch(r"Name:query\tVmPeak:\d+ kB\tVmRSS:\d+ kB\tRSSMax:\d+ kB\tuser:[\d.e-]+\tsys:[\d.e-]+"
                        r"\tCPU:[\d.e-]+\treal:[\d.e-]+", lines[-1]), lines[-1]
    done = subprocess.run(["query", str(DATA / "kenlm" / "test.arpa")], input=queries, capture_output=True, env=env)
    assert done.stderr.decode().splitlines()[:2] == [
        "Loading the LM will be faster if you build a binary file.", f"Reading {DATA / 'kenlm' / 'test.arpa'}"]
    done = subprocess.run(["query", str(DATA / "kenlm" / "test_nounk.arpa")], input=queries, capture_output=True,
                          env=env)
    assert done.stderr.decode().splitlines()[3] == \
        "The ARPA file is missing <unk>.  Substituting log10 probability -100."


@pytest.mark.parametrize("args,message", [
    ([], "usage: query"),
    (["-v", "all", "x"], "-v all"),
    (["-l", "mmap", "x"], "-l mmap"),
    (["a", "b"], "usage: query"),
    (["missing.arpa"], "missing.arpa: no such file"),
])
def test_query_errors_are_one_line(cli, args, message):
    status, _, err = cli(query_cmd.main, args)
    # KenLM's query exits with 1 on these too
    assert status == 1 and message in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("value,text", [
    # double-conversion's shortest: fixed notation for exponents -7 < e < 21, no trailing ".0"
    (-0.4846522, "-0.4846522"), (-6.0, "-6"), (-99.30103, "-99.30103"), (-1e-7, "-1e-7"),
    (0.000001, "0.000001"), (1.5e-6, "0.0000015"), (-0.0, "-0"), (0.0, "0"), (-np.inf, "-inf"),
    (123456.0, "123456"), (1e20, "100000000000000000000"), (1e21, "1e21"), (3.4e38, "3.4e38"),
    (np.nan, "NaN"),
])
def test_kenlm_number_text(value, text):
    out, scratch = np.empty(64, dtype=np.uint8), np.empty(40, dtype=np.uint8)
    end = put_kenlm_float32(np.float32(value), out, 0, scratch)
    assert out[:end].tobytes().decode() == text
    if value == value and abs(value) < 1e30 and text != "-0":
        assert kenlm_double_text(float(text)) == text


def test_kenlm_double_text_keeps_all_digits():
    assert kenlm_double_text(404.1736300975588) == "404.1736300975588"
    assert kenlm_double_text(1.0) == "1"
    assert kenlm_double_text(0.0449466619921568) == "0.0449466619921568"
    assert kenlm_double_text(float("nan")) == "NaN"


def test_probing_numbers_words_in_the_arpa_order(tmp_path):
    # KenLM's build_binary numbers a probing file's words in its ARPA's 1-gram order (test.arpa:
    # KenLM's, not sorted); query prints those numbers
    from ngramkit.arpa import read_arpa
    from ngramkit.kenlm_binary import write_kenlm_binary

    ours = tmp_path / "m.probing"
    write_kenlm_binary(read_arpa(DATA / "kenlm" / "test.arpa"), ours)
    text = QUERY / "queries.txt"
    assert run_query(ours, "", text) == run_query(DATA / "kenlm" / "test.probing", "", text)
