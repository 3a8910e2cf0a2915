"""The catalogue of bad inputs: for every command, each bad input gets one line on stderr
naming the file (and line), a non-zero exit status of its kind, and leaves no output file.

Exit statuses: 2 usage, 3 missing file, 4 malformed input, 5 encoding, 6 output, 7 estimation,
8 empty input (ngramkit/errors.py).
"""

import errno
import gzip

import pytest
from click.testing import CliRunner

from ngramkit.cli.arpa2fst import main as arpa2fst
from ngramkit.cli.compute_best_mix import main as compute_best_mix
from ngramkit.cli.main import main as ngramkit_main
from ngramkit.cli.ngram import main as ngram
from ngramkit.cli.ngram_count import main as ngram_count
from ngramkit.cli.ngram_merge import main as ngram_merge
from ngramkit.counting import RunOptions, TextOptions, count_text

GOOD_ARPA = """\\data\\
ngram 1=4
ngram 2=6

\\1-grams:
-0.4771213\t</s>
-99\t<s>\t-0.30103
-0.4771213\ta\t-0.30103
-0.4771213\tb\t-0.30103

\\2-grams:
-0.3802112\t<s> a
-0.3802112\t<s> b
-0.3802112\ta </s>
-0.3802112\ta b
-0.3802112\tb </s>
-0.3802112\tb a

\\end\\
"""


def edit(text, old, new):
    assert old in text
    return text.replace(old, new, 1)


def truncated_gzip(text):
    data = gzip.compress(text.encode() * 2000)
    return data[: len(data) // 2]


# (case, command, argv with {d} for the work directory, files to create, status, message)
CASES = [
    ("non-UTF-8 text", "ngram-count", "-text {d}/in.txt -write {d}/out.txt",
     {"in.txt": b"a b\nc d\ncaf\xe9\n"},
     5, "ngram-count: {d}/in.txt:3: invalid utf-8 byte 0xe9 (use -encoding to read other encodings)"),
    ("NUL byte in text", "ngram-count", "-text {d}/in.txt -write {d}/out.txt", {"in.txt": b"a b\na\x00b\n"},
     5, "ngram-count: {d}/in.txt:2: NUL byte in text"),
    ("missing text", "ngram-count", "-text {d}/nope.txt -write {d}/out.txt", {},
     3, "ngram-count: {d}/nope.txt: no such file"),
    ("truncated gzip text", "ngram-count", "-text {d}/in.txt.gz -write {d}/out.txt",
     {"in.txt.gz": truncated_gzip("a b c\n")},
     4, "ngram-count: {d}/in.txt.gz: cannot read compressed data (Compressed file ended before the "
        "end-of-stream marker was reached)"),
    ("output in a missing directory", "ngram-count", "-text {d}/in.txt -write {d}/no/out.txt",
     {"in.txt": "a b\n"}, 6, "ngram-count: {d}/no/out.txt: cannot write: directory does not exist"),
    ("negative count", "ngram-count", "-read {d}/in.counts -write {d}/out.txt",
     {"in.counts": "a\t2\na b\t-3\n"},
     4, "ngram-count: {d}/in.counts:2: expected words followed by a non-negative integer count"),
    ("non-integer count", "ngram-count", "-read {d}/in.counts -write {d}/out.txt",
     {"in.counts": "a\t2\nb\t1\na b\t1.5\n"},
     4, "ngram-count: {d}/in.counts:3: expected words followed by a non-negative integer count"),
    ("count without words", "ngram-count", "-read {d}/in.counts -write {d}/out.txt",
     {"in.counts": "a\t2\n\t4\n"},
     4, "ngram-count: {d}/in.counts:2: expected words followed by a non-negative integer count"),
    # (ngram-count fails there with SRILM's two lines: test_srilm_debug.py)
    ("too few counts for Kneser-Ney", "ngramkit train", "--text {d}/in.txt -o {d}/out.arpa -q",
     {"in.txt": "a b\n"}, 7, None),
    ("unknown option", "ngram-count", "-txet {d}/in.txt", {},
     2, "ngram-count: unknown option '-txet' (see ngram-count -help)"),
    ("bad option value", "ngram-count", "-order three", {},
     2, "ngram-count: option -order needs an integer, not 'three'"),
    ("no input", "ngram-count", "-order 2", {}, 2, "ngram-count: no input: give -text FILE or -read COUNTS"),
    ("ARPA with a missing section", "ngram", "-lm {d}/in.arpa -ppl {d}/t.txt",
     {"in.arpa": GOOD_ARPA[: GOOD_ARPA.index("\\2-grams:")] + "\\end\\\n", "t.txt": "a b\n"},
     4, "ngram: {d}/in.arpa:11: expected section header \\2-grams:"),
    ("ARPA with a non-numeric probability", "ngram", "-lm {d}/in.arpa -ppl {d}/t.txt",
     {"in.arpa": edit(GOOD_ARPA, "-0.4771213\t</s>", "minus\t</s>"), "t.txt": "a b\n"},
     4, "ngram: {d}/in.arpa:6: log probability is not a number"),
    ("ARPA with a positive log probability", "ngram", "-lm {d}/in.arpa -ppl {d}/t.txt",
     {"in.arpa": edit(GOOD_ARPA, "-0.4771213\t</s>", "0.5\t</s>"), "t.txt": "a b\n"},
     4, "ngram: {d}/in.arpa:6: log probability is positive"),
    ("ARPA with an n-gram of the wrong order", "ngram", "-lm {d}/in.arpa -ppl {d}/t.txt",
     {"in.arpa": edit(GOOD_ARPA, "-0.3802112\t<s> a\n", "-0.3802112\t<s> a b\n"), "t.txt": "a b\n"},
     4, "ngram: {d}/in.arpa:12: a backoff weight on a highest-order n-gram (an n-gram of the wrong order?)"),
    ("ARPA with a duplicate n-gram", "ngram", "-lm {d}/in.arpa -ppl {d}/t.txt",
     {"in.arpa": edit(edit(GOOD_ARPA, "ngram 2=6", "ngram 2=7"), "-0.3802112\ta b\n",
                      "-0.3802112\ta b\n-0.3802112\ta b\n"), "t.txt": "a b\n"},
     4, "ngram: {d}/in.arpa:16: duplicate 2-gram"),
    ("truncated gzip ARPA", "ngram", "-lm {d}/in.arpa.gz -ppl {d}/t.txt",
     {"in.arpa.gz": truncated_gzip(GOOD_ARPA), "t.txt": "a b\n"},
     4, "ngram: {d}/in.arpa.gz: cannot read compressed data (Compressed file ended before the "
        "end-of-stream marker was reached)"),
    ("missing ARPA", "ngram", "-lm {d}/nope.arpa -ppl {d}/t.txt", {"t.txt": "a b\n"},
     3, "ngram: {d}/nope.arpa: no such file"),
    ("-rescore-ngram model with a non-numeric probability", "ngram",
     "-lm {d}/in.arpa -rescore-ngram {d}/bad.arpa -write-lm {d}/out.arpa",
     {"in.arpa": GOOD_ARPA, "bad.arpa": edit(GOOD_ARPA, "-0.4771213\t</s>", "minus\t</s>")},
     4, "ngram: {d}/bad.arpa:6: log probability is not a number"),
    ("missing -rescore-ngram model", "ngram", "-lm {d}/in.arpa -rescore-ngram {d}/nope.arpa -write-lm {d}/out.arpa",
     {"in.arpa": GOOD_ARPA}, 3, "ngram: {d}/nope.arpa: no such file"),
    ("-prune-history-lm model with a duplicate n-gram", "ngram",
     "-lm {d}/in.arpa -prune 1e-6 -prune-history-lm {d}/bad.arpa -order 3 -write-lm {d}/out.arpa",
     {"in.arpa": GOOD_ARPA, "bad.arpa": edit(edit(GOOD_ARPA, "ngram 2=6", "ngram 2=7"), "-0.3802112\ta b\n",
                                             "-0.3802112\ta b\n-0.3802112\ta b\n")},
     4, "ngram: {d}/bad.arpa:16: duplicate 2-gram"),
    ("-split-multiwords hypothesis with an empty part", "ngram",
     "-lm {d}/in.arpa -nbest {d}/in.nbest -split-multiwords", {"in.arpa": GOOD_ARPA, "in.nbest": "-1 -2 1 a__b\n"},
     4, "ngram: {d}/in.nbest:1: bad n-best hypothesis: the multiword 'a__b' has an empty part"),
    ("ARPA written to a missing directory", "ngram", "-lm {d}/in.arpa -write-lm {d}/no/out.arpa",
     {"in.arpa": GOOD_ARPA}, 6, "ngram: {d}/no/out.arpa: cannot write: directory does not exist"),
    ("symbol table without <eps>", "arpa2fst", "--read-symbol-table={d}/words.txt {d}/in.arpa {d}/out.fst",
     {"in.arpa": GOOD_ARPA, "words.txt": "a 1\nb 2\n<s> 3\n</s> 4\n"},
     4, "arpa2fst: {d}/words.txt: symbol table must give <eps> the label 0"),
    ("lexicon without words", "ngramkit segment", "--lexicon {d}/lex.txt {d}/in.txt -o {d}/out.txt",
     {"lex.txt": "\n", "in.txt": "中文\n"}, 8, "ngramkit segment: {d}/lex.txt: word list holds no words"),
    ("non-UTF-8 text to normalise", "ngramkit normalize", "{d}/in.txt -o {d}/out.txt",
     {"in.txt": b"a\ncaf\xe9\n"},
     5, "ngramkit normalize: {d}/in.txt:2: invalid utf-8 byte 0xe9 (use --encoding to read other encodings)"),
    ("non-UTF-8 text to count", "ngramkit count", "--text {d}/in.txt --write {d}/out.txt",
     {"in.txt": b"caf\xe9\n"},
     5, "ngramkit count: {d}/in.txt:1: invalid utf-8 byte 0xe9 (use --encoding to read other encodings)"),
    ("missing count file to merge", "ngram-merge", "-write {d}/out.txt {d}/a.counts {d}/nope.counts",
     {"a.counts": "a\t1\n"}, 3, "ngram-merge: {d}/nope.counts: no such file"),
    ("empty text for lmplz", "ngramkit lmplz", "-o 2 --text {d}/in.txt --arpa {d}/out.arpa", {"in.txt": ""},
     8, "ngramkit lmplz: {d}/in.txt: no sentences in text (empty or blank input)"),
    ("empty text to train on", "ngramkit train", "--text {d}/in.txt -o {d}/out.arpa -q", {"in.txt": "\n"},
     8, "ngramkit train: {d}/in.txt: no sentences in text (empty or blank input)"),
    ("trained model to a missing directory", "ngramkit train",
     "--text {d}/in.txt --method add -o {d}/no/out.arpa -q", {"in.txt": "a b\n"},
     6, "ngramkit train: {d}/no/out.arpa: cannot write: directory does not exist"),
    ("pruned model to a missing directory", "ngramkit prune", "{d}/in.arpa -o {d}/no/out.arpa -t 1e-6",
     {"in.arpa": GOOD_ARPA}, 6, "ngramkit prune: {d}/no/out.arpa: cannot write: directory does not exist"),
    ("mixing weights that do not fit", "ngramkit mix", "{d}/in.arpa {d}/in.arpa -w 0.5 -o {d}/out.arpa",
     {"in.arpa": GOOD_ARPA}, 2, "ngramkit mix: need 2 non-negative weights summing to 1, got '0.5'"),
    ("missing model to mix", "ngramkit mix", "{d}/in.arpa {d}/nope.arpa -o {d}/out.arpa",
     {"in.arpa": GOOD_ARPA}, 3, "ngramkit mix: {d}/nope.arpa: no such file"),
    ("non-UTF-8 text for perplexity", "ngramkit ppl", "{d}/in.arpa {d}/t.txt",
     {"in.arpa": GOOD_ARPA, "t.txt": b"caf\xe9\n"},
     5, "ngramkit ppl: {d}/t.txt:1: invalid utf-8 byte 0xe9 (use --encoding to read other encodings)"),
    ("non-UTF-8 text for a vocabulary", "ngramkit vocab", "--text {d}/in.txt", {"in.txt": b"caf\xe9\n"},
     5, "ngramkit vocab: {d}/in.txt:1: invalid utf-8 byte 0xe9 (use --encoding to read other encodings)"),
    ("a file that is neither ARPA nor binary", "ngramkit info", "{d}/in.ngk", {"in.ngk": "junk data here"},
     4, "ngramkit info: {d}/in.ngk: no \\data\\ line: not an ARPA file"),
    ("missing model to convert", "ngramkit build-binary", "{d}/nope.arpa {d}/out.ngk", {},
     3, "ngramkit build-binary: {d}/nope.arpa: no such file"),
    ("missing count file to sum", "ngramkit merge-counts", "{d}/nope.counts --write {d}/out.txt", {},
     3, "ngramkit merge-counts: {d}/nope.counts: no such file"),
    ("missing model to plot", "ngramkit prune-curve", "{d}/nope.arpa {d}/t.txt -o {d}/out.png",
     {"t.txt": "a b\n"}, 3, "ngramkit prune-curve: {d}/nope.arpa: no such file"),
    ("missing ppl output to mix", "compute-best-mix", "{d}/nope1.ppl {d}/nope2.ppl", {},
     3, "compute-best-mix: {d}/nope1.ppl: no such file"),
]

COMMANDS = {"ngram-count": ngram_count, "ngram": ngram, "arpa2fst": arpa2fst, "ngram-merge": ngram_merge,
            "compute-best-mix": compute_best_mix}


def run_command(command, argv, capsys):
    if command.startswith("ngramkit "):
        result = CliRunner().invoke(ngramkit_main, command.split()[1:] + argv)
        return result.exit_code, result.stderr
    try:
        COMMANDS[command](argv)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, capsys.readouterr().err


@pytest.mark.parametrize("case,command,argv,files,status,message", CASES, ids=[c[0] for c in CASES])
def test_catalogue(tmp_path, capsys, case, command, argv, files, status, message):
    if command == "ngramkit prune-curve":
        pytest.importorskip("matplotlib")  # the `plot` extra; without it the command says so first
    for name, content in files.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    before = {p.name for p in tmp_path.rglob("*")}
    got_status, err = run_command(command, argv.format(d=tmp_path).split(), capsys)
    lines = [line for line in err.splitlines() if "warning" not in line]
    assert got_status == status, err
    assert len(lines) == 1, err
    if message is not None:
        assert lines[0] == message.format(d=tmp_path)
    else:
        assert lines[0].startswith(f"{command}: ")
    assert {p.name for p in tmp_path.rglob("*")} == before, "an output file was left behind"


def test_full_disk_leaves_no_output(tmp_path, monkeypatch, cli):
    # A write error half-way (as on a full disk): a one-line error, and the output never appears.
    import ngramkit.textio as textio

    real_fdopen = textio.os.fdopen

    class FullDisk:
        def __init__(self, raw):
            self.raw, self.written = raw, 0

        def write(self, data):
            self.written += len(data)
            if self.written > 1000:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.raw.write(data)

        def __getattr__(self, name):
            return getattr(self.raw, name)

    monkeypatch.setattr(textio.os, "fdopen", lambda fd, mode: FullDisk(real_fdopen(fd, mode)))
    text = tmp_path / "in.txt"
    text.write_text("".join(f"w{i} w{i + 1} w{i + 2}\n" for i in range(500)))
    status, _, err = cli(ngram_count, ["-text", text, "-write", tmp_path / "out.txt"])
    assert status == 6
    assert err.strip() == f"ngram-count: {tmp_path / 'out.txt'}: cannot write: No space left on device"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt"]


def test_duplicate_vocabulary_word_is_one_word(tmp_path, cli):
    # SRILM 1.7.3 reads a word listed twice in -vocab as one word, and says nothing of it
    text, vocab, out = tmp_path / "t.txt", tmp_path / "v.txt", tmp_path / "c.txt"
    text.write_text("a b\n")
    vocab.write_text("a\nb\na\n")
    status, _, err = cli(ngram_count, ["-text", text, "-vocab", vocab, "-write", out])
    assert status == 0
    assert err == ""
    assert out.read_text() == "</s>\t1\n<s>\t1\n<s> a\t1\n<s> a b\t1\na\t1\na b\t1\na b </s>\t1\nb\t1\nb </s>\t1\n"


def test_special_words_inside_text_are_words(tmp_path, cli):
    # As in SRILM: <s> or </s> inside a line and <unk> anywhere are counted as words.
    text, out = tmp_path / "t.txt", tmp_path / "c.txt"
    text.write_text("a <s> b </s> c <unk>\n")
    assert cli(ngram_count, ["-order", 1, "-text", text, "-sort", "-write", out])[0] == 0
    assert out.read_text() == "</s>\t2\n<s>\t2\n<unk>\t1\na\t1\nb\t1\nc\t1\n"


def test_ten_megabyte_line(tmp_path, cli):
    # As SRILM's, ngram-count passes over a line of more than 50000 words with its warning;
    # counted without that limit (as lmplz counts), all 2M words of the line count
    text, out = tmp_path / "t.txt", tmp_path / "c.txt"
    words = 2_000_000
    text.write_text(" ".join(["ab", "cd"] * (words // 2)) + "\n")
    assert text.stat().st_size > 5_000_000
    assert cli(ngram_count, ["-order", 2, "-text", text, "-sort", "-write", out]) == (
        0, "", f"{text}: line 1: line too long?\n")
    assert out.read_text() == ""
    counts = count_text([text], 2, TextOptions(max_words=0), RunOptions(quiet=True))
    names = counts.vocab.words
    assert {" ".join(names[w] for w in row): c for k in range(2)
            for row, c in zip(counts.ngrams[k].tolist(), counts.counts[k].tolist())} == {
        "</s>": 1, "<s>": 1, "<s> ab": 1, "ab": words // 2, "ab cd": words // 2, "cd": words // 2, "cd </s>": 1,
        "cd ab": words // 2 - 1}


def test_ngram_with_a_missing_prefix_is_read_and_unreachable(tmp_path, capsys):
    # "b a </s>" without a "b a" line: the file reads (SRILM reads it too), and as no context
    # "b a" exists, scoring backs off past it (SRILM would keep an empty "b a" context with
    # weight 0 and use the trigram; such files are malformed, so the difference is accepted).
    arpa = edit(GOOD_ARPA, "ngram 2=6\n", "ngram 2=5\nngram 3=1\n")
    arpa = edit(arpa, "-0.3802112\tb a\n", "")
    arpa = edit(arpa, "\\end\\", "\\3-grams:\n-0.1\tb a </s>\n\n\\end\\")
    path, text = tmp_path / "in.arpa", tmp_path / "t.txt"
    path.write_text(arpa)
    text.write_text("a b a\n")
    status, err = run_command("ngram", ["-lm", str(path), "-ppl", str(text)], capsys)
    assert status == 0, err
    # p(a|<s>) = -0.3802112, p(b|<s> a) = p(b|a) = -0.3802112,
    # p(a|a b) = bow(b) + p(a) = -0.30103 - 0.4771213, p(</s>|b a) = p(</s>|a) = -0.3802112.
    from ngramkit import Model

    expected = -0.3802112 * 3 - 0.30103 - 0.4771213
    assert abs(Model(path).score("a b a") - expected) < 1e-5
