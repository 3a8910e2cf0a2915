"""Text as bytes (`-encoding bytes`, SRILM's way), byte-order marks and UTF-16, and the counts
`ngram-count` writes to stdout, against SRILM 1.7.3's outputs (../shared/reference/more, sections
9 and 11; copies in tests/data/bytes) and hand counts.

The GBK texts are made here from tests/data/reference/zh with Python's GBK codec; with
../shared present they are checked to be the very files SRILM read (made with iconv)."""

import gzip

import pytest
from click.testing import CliRunner
from conftest import DATA, REFERENCE, SHARED_REFERENCE, needs_shared
from make_reference_samples import sampled
from test_estimate_srilm import sample_difference

import ngramkit
from ngramkit.arpa import read_arpa
from ngramkit.cli.main import main as ngramkit_main
from ngramkit.cli.ngram import main as ngram
from ngramkit.cli.ngram_count import main as ngram_count
from ngramkit.cli.ngram_count import ngram_count as ngram_count_body
from ngramkit.errors import EncodingError, UsageError
from ngramkit.textio import iter_line_blocks, word_bytes

BYTES_DATA = DATA / "bytes"
MORE = SHARED_REFERENCE / "more"


def run(main, argv, capsysbinary):
    """(exit status, stdout bytes, stderr text) of a command run in-process."""
    try:
        main([str(a) for a in argv])
        status = 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 0
    out, err = capsysbinary.readouterr()
    return status, out, err.decode("utf-8", "replace")


def lines_of(path, count=None):
    with gzip.open(path, "rb") as f:
        lines = f.read().split(b"\n")[:-1]
    return lines[:count] if count else lines


@pytest.fixture(scope="module")
def gbk(tmp_path_factory):
    """train.gbk.txt, test.gbk.txt and test20.gbk.txt, as SRILM's reference made them."""
    folder = tmp_path_factory.mktemp("gbk")
    for name, lines in (("train", lines_of(REFERENCE / "zh" / "train.txt.gz")),
                        ("test", lines_of(REFERENCE / "zh" / "test.txt.gz"))):
        text = b"".join(line.decode("utf-8").encode("gbk") + b"\n" for line in lines)
        (folder / f"{name}.gbk.txt").write_bytes(text)
    (folder / "test20.gbk.txt").write_bytes(b"".join(
        line + b"\n" for line in (folder / "test.gbk.txt").read_bytes().split(b"\n")[:20]))
    return folder


@pytest.fixture(scope="module")
def gbk_model(gbk, tmp_path_factory):
    """Our `ngram-count -order 3 -kndiscount -interpolate -encoding bytes` of train.gbk.txt."""
    lm = tmp_path_factory.mktemp("gbk-lm") / "mkn3.gbk.arpa"
    ngram_count_body(["-order", "3", "-kndiscount", "-interpolate", "-text", str(gbk / "train.gbk.txt"),
          "-lm", str(lm), "-encoding", "bytes", "-q"])
    return lm


def trie_key(line):
    """A count line's n-gram as byte strings: sorting by it gives SRILM's -sort (trie) order."""
    return line.split(b"\t")[0].split(b" ")


# GBK: the same numbers as UTF-8, words and their byte order as GBK

@needs_shared
def test_gbk_texts_are_the_reference_files(gbk):
    with gzip.open(MORE / "zh" / "train.gbk.txt.gz", "rb") as f:
        assert (gbk / "train.gbk.txt").read_bytes() == f.read()
    assert (gbk / "test.gbk.txt").read_bytes() == (MORE / "zh" / "test.gbk.txt").read_bytes()
    assert (gbk / "test20.gbk.txt").read_bytes() == (MORE / "zh" / "test20.gbk.txt").read_bytes()


def test_gbk_counts_are_srilm_counts_in_gbk_byte_order(gbk, tmp_path, capsysbinary):
    out = tmp_path / "counts3.gbk.txt"
    status, _, err = run(ngram_count, ["-order", 3, "-text", gbk / "train.gbk.txt", "-sort", "-write", out,
                                       "-encoding", "bytes"], capsysbinary)
    assert status == 0, err
    lines = out.read_bytes().split(b"\n")[:-1]
    assert lines == sorted(lines, key=trie_key)  # -sort: byte order of the GBK words
    ours = [line.decode("gbk") for line in lines]
    ours = [line for line in ours if sampled(line.split("\t")[0].split(" ")[0])]
    with gzip.open(REFERENCE / "zh" / "srilm" / "counts3.sample.txt.gz", "rt", encoding="utf-8") as f:
        reference = f.read().splitlines()
    assert len(reference) > 1000
    assert sorted(ours) == sorted(reference)


@needs_shared
def test_gbk_counts_identical_to_srilm(gbk, tmp_path, capsysbinary):
    out = tmp_path / "counts3.gbk.txt"
    assert run(ngram_count, ["-order", 3, "-text", gbk / "train.gbk.txt", "-sort", "-write", out,
                             "-encoding", "bytes"], capsysbinary)[0] == 0
    with gzip.open(MORE / "zh" / "counts3.gbk.txt.gz", "rb") as f:
        assert out.read_bytes() == f.read()


def test_gbk_model_matches_srilm_sample(gbk_model):
    # read back as GBK: the words are then those of the UTF-8 reference sample
    model = read_arpa(gbk_model, encoding="gbk")
    assert sample_difference(model, REFERENCE / "zh" / "srilm" / "mkn3.sample.arpa.gz") < 1e-4


def arpa_sections(path):
    """Per order, the (words, logprob, backoff) of each line, in file order; words as bytes."""
    opener = gzip.open if str(path).endswith(".gz") else open
    sections, k = {}, 0
    with opener(path, "rb") as f:
        for line in f.read().split(b"\n"):
            if line.endswith(b"-grams:"):
                k = int(line[1:line.index(b"-")])
                sections[k] = []
            elif k and line and not line.startswith(b"\\"):
                fields = line.split(b"\t")
                sections[k].append((fields[1], float(fields[0]), float(fields[2]) if len(fields) > 2 else None))
    return sections


def test_gbk_arpa_lines_in_srilms_order(gbk_model):
    # SRILM's order: by the context newest word first, then the word, words as byte strings
    for k, lines in arpa_sections(gbk_model).items():
        keys = [words.split(b" ") for words, _, _ in lines]
        srilm_keys = [w[-2::-1] + w[-1:] for w in keys]
        assert srilm_keys == sorted(srilm_keys), f"order {k}"


@needs_shared
def test_gbk_arpa_matches_srilm(gbk_model):
    ours, srilm = arpa_sections(gbk_model), arpa_sections(MORE / "zh" / "mkn3.gbk.arpa.gz")
    assert ours.keys() == srilm.keys() == {1, 2, 3}
    worst = 0.0
    for k in ours:
        assert [w for w, _, _ in ours[k]] == [w for w, _, _ in srilm[k]]  # the same lines in the same order
        reference = {w: (p, b) for w, p, b in srilm[k]}
        assert {w for w, _, _ in ours[k]} == reference.keys()
        for words, logprob, backoff in ours[k]:
            ref_logprob, ref_backoff = reference[words]
            assert (backoff is None) == (ref_backoff is None)
            worst = max(worst, abs(logprob - ref_logprob), abs((backoff or 0.0) - (ref_backoff or 0.0)))
    assert worst < 1e-4


@pytest.mark.parametrize("debug", [0, 1, 2])
def test_gbk_ppl_identical_to_srilm(debug, gbk, gbk_model, monkeypatch, capsysbinary):
    monkeypatch.chdir(gbk)  # the output names the file as given
    text = "test.gbk.txt" if debug == 0 else "test20.gbk.txt"
    status, out, err = run(ngram, ["-lm", gbk_model, "-order", 3, "-debug", debug, "-ppl", text,
                                   "-encoding", "bytes"], capsysbinary)
    assert status == 0, err
    assert out == (BYTES_DATA / "zh" / f"mkn3.gbk.ppl{debug}.txt").read_bytes()


@needs_shared
def test_gbk_ppl_of_srilms_model(gbk, monkeypatch, capsysbinary, tmp_path):
    lm = tmp_path / "mkn3.gbk.arpa.gz"
    lm.write_bytes((MORE / "zh" / "mkn3.gbk.arpa.gz").read_bytes())
    monkeypatch.chdir(gbk)
    status, out, err = run(ngram, ["-lm", lm, "-order", 3, "-debug", 2, "-ppl", "test20.gbk.txt",
                                   "-encoding", "bytes"], capsysbinary)
    assert status == 0, err
    assert out == (MORE / "zh" / "mkn3.gbk.ppl2.txt").read_bytes()


def test_gbk_model_refused_without_bytes(gbk_model):
    with pytest.raises(EncodingError, match="invalid UTF-8 in a word"):
        read_arpa(gbk_model)


def test_gbk_python_api(gbk, tmp_path):
    counts = ngramkit.count(gbk / "train.gbk.txt", order=3, encoding="bytes", progress=False)
    model = ngramkit.train(counts=counts, order=3, cutoffs=[1, 1, 2], progress=False)  # SRILM's -gt3min 2
    model.write(tmp_path / "lm.arpa")
    loaded = ngramkit.load(tmp_path / "lm.arpa", encoding="bytes")
    report = loaded.perplexity(gbk / "test.gbk.txt")  # the model's words are bytes: so is the text
    # SRILM's mkn3.gbk.ppl0.txt: 1000 sentences, 18650 words, 3049 OOVs, logprob= -50222.75 ppl= 1059.948
    assert (report.stats.sentences, report.stats.words, report.stats.oovs) == (1000, 18650, 3049)
    assert f"{report.stats.logprob:.7g} {report.stats.ppl():.7g}" == "-50222.75 1059.948"
    oov = next(iter(report.oov_words))
    assert word_bytes(oov).decode("gbk")  # an OOV word is held as its GBK bytes


# Latin-1: a file round-trips with the same bytes

LATIN1 = b"caf\xe9 cr\xe8me br\xfbl\xe9e\nCaf\xe9 cr\xe8me\n"


def test_latin1_counts_by_hand(tmp_path, capsysbinary):
    text = tmp_path / "latin1.txt"
    text.write_bytes(LATIN1)
    out = tmp_path / "counts.txt"
    assert run(ngram_count, ["-order", 2, "-text", text, "-sort", "-write", out, "-encoding", "bytes"], capsysbinary)[0] == 0
    # words in byte order: </s> <s> Caf\xe9 br\xfbl\xe9e caf\xe9 cr\xe8me
    assert out.read_bytes() == (b"</s>\t2\n<s>\t2\n<s> Caf\xe9\t1\n<s> caf\xe9\t1\nCaf\xe9\t1\nCaf\xe9 cr\xe8me\t1\n"
                                b"br\xfbl\xe9e\t1\nbr\xfbl\xe9e </s>\t1\ncaf\xe9\t1\ncaf\xe9 cr\xe8me\t1\n"
                                b"cr\xe8me\t2\ncr\xe8me </s>\t1\ncr\xe8me br\xfbl\xe9e\t1\n")
    vocab = tmp_path / "vocab.txt"
    assert run(ngram_count, ["-order", 2, "-text", text, "-write-vocab", vocab, "-encoding", "bytes"],
               capsysbinary)[0] == 0
    assert vocab.read_bytes() == b"-pau-\n</s>\n<s>\n<unk>\nCaf\xe9\nbr\xfbl\xe9e\ncaf\xe9\ncr\xe8me\n"


def test_latin1_tolower_lowers_ascii_only(tmp_path, capsysbinary):
    text = tmp_path / "latin1.txt"
    text.write_bytes(b"Caf\xc9 caf\xe9\n")
    out = tmp_path / "counts.txt"
    status, _, err = run(ngram_count, ["-order", 1, "-text", text, "-tolower", "-sort", "-write", out, "-encoding", "bytes"],
                         capsysbinary)
    assert status == 0
    assert err == ("ngram-count: warning: -tolower with -encoding bytes lowercases ASCII letters only (as SRILM "
                   "in the C locale); name the text's encoding to lowercase other letters\n")
    # C -> c; the byte \xc9 (Latin-1 capital E acute, or part of a GBK character) stays
    assert out.read_bytes() == b"</s>\t1\n<s>\t1\ncaf\xc9\t1\ncaf\xe9\t1\n"


def test_latin1_model_round_trip(tmp_path, capsysbinary):
    text = tmp_path / "latin1.txt"
    text.write_bytes(LATIN1)
    lm, again = tmp_path / "lm.arpa", tmp_path / "again.arpa"
    assert run(ngram_count, ["-order", 2, "-wbdiscount", "-text", text, "-lm", lm, "-encoding", "bytes"],
               capsysbinary)[0] == 0
    assert b"\tcaf\xe9 cr\xe8me" in lm.read_bytes()
    assert run(ngram, ["-lm", lm, "-order", 2, "-write-lm", again, "-encoding", "bytes"], capsysbinary)[0] == 0
    assert again.read_bytes() == lm.read_bytes()
    # the same model as from the UTF-8 text, printed in Latin-1
    utf8_text, utf8_lm = tmp_path / "utf8.txt", tmp_path / "utf8.arpa"
    utf8_text.write_bytes(LATIN1.decode("latin-1").encode("utf-8"))
    assert run(ngram_count, ["-order", 2, "-wbdiscount", "-text", utf8_text, "-lm", utf8_lm], capsysbinary)[0] == 0
    assert lm.read_bytes() == utf8_lm.read_bytes().decode("utf-8").encode("latin-1")
    status, out, err = run(ngram, ["-lm", lm, "-order", 2, "-debug", 2, "-ppl", text, "-encoding", "bytes"],
                           capsysbinary)
    assert status == 0, err
    assert out.startswith(b"caf\xe9 cr\xe8me br\xfbl\xe9e\n\tp( caf\xe9 | <s> ) \t= [2gram] ")


def test_bytes_refused_where_characters_are_needed(tmp_path):
    text = tmp_path / "latin1.txt"
    text.write_bytes(LATIN1)
    with pytest.raises(UsageError, match="needs characters"):
        list(iter_line_blocks(text, "bytes"))
    done = CliRunner().invoke(ngramkit_main, ["segment", "--encoding", "bytes", str(text),
                                              "-o", str(tmp_path / "out.txt")])
    assert done.exit_code == 2
    assert done.output.strip().endswith("needs characters: name the text's encoding (e.g. utf-8, gbk, latin-1)")
    assert len(done.output.strip().splitlines()) == 1


# Byte-order marks

def test_utf8_bom_is_dropped(tmp_path, capsysbinary):
    text = tmp_path / "bom.txt"
    text.write_bytes(b"\xef\xbb\xbfa b\na\n")
    out = tmp_path / "counts.txt"
    assert run(ngram_count, ["-order", 1, "-text", text, "-write", out], capsysbinary)[0] == 0
    assert out.read_bytes() == b"</s>\t2\n<s>\t2\na\t2\nb\t1\n"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_is_decoded(codec, tmp_path, capsysbinary):
    # SRILM's counts of the UTF-8 text; its own run on the UTF-16 file read 2 sentences only
    utf8 = b"".join(line + b"\n" for line in lines_of(REFERENCE / "zh" / "test.txt.gz", 20))
    text = tmp_path / "test20.utf16.txt"
    text.write_bytes("\ufeff".encode(codec) + utf8.decode("utf-8").encode(codec))
    if codec == "utf-16-le":
        assert text.read_bytes() == (BYTES_DATA / "zh" / "utf16.test20.txt").read_bytes()
    status, out, err = run(ngram_count, ["-order", 2, "-text", text], capsysbinary)
    assert status == 0, err
    assert out == (BYTES_DATA / "zh" / "counts-stdout.txt").read_bytes()


def test_bad_utf16_names_its_line(tmp_path):
    text = tmp_path / "bad.txt"
    text.write_bytes(b"\xff\xfe" + "a b\nc\n".encode("utf-16-le") + b"\x00\xd8" + "d\n".encode("utf-16-le"))
    with pytest.raises(EncodingError, match="invalid UTF-16-LE") as caught:
        list(iter_line_blocks(text))
    assert caught.value.line == 3


# Counts on stdout (README section 11)

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_counts_go_to_stdout_in_srilms_order(lang, tmp_path, capsysbinary):
    text = tmp_path / "test20.txt"
    text.write_bytes(b"".join(line + b"\n" for line in lines_of(REFERENCE / lang / "test.txt.gz", 20)))
    status, out, err = run(ngram_count, ["-order", 2, "-text", text], capsysbinary)
    assert status == 0, err
    assert out == (BYTES_DATA / lang / "counts-stdout.txt").read_bytes()


@pytest.mark.parametrize("write_order,reference", [
    (0, "counts-write-order0.test20.txt"), (2, "counts-write-order2.test20.txt"),
    (3, "counts-write-order3.test20.stdout.txt")])
def test_write_order_on_stdout(write_order, reference, tmp_path, capsysbinary):
    text = tmp_path / "test20.txt"
    text.write_bytes(b"".join(line + b"\n" for line in lines_of(REFERENCE / "en" / "test.txt.gz", 20)))
    status, out, err = run(ngram_count, ["-order", 3, "-text", text, "-write-order", write_order], capsysbinary)
    assert status == 0, err
    assert out == (BYTES_DATA / "en" / reference).read_bytes()
    # -sort: the same lines in trie order, as -write writes them
    written = tmp_path / "counts.txt"
    assert run(ngram_count, ["-order", 3, "-text", text, "-write-order", write_order, "-write", written],
               capsysbinary)[0] == 0
    status, sorted_out, _ = run(ngram_count, ["-order", 3, "-text", text, "-write-order", write_order, "-sort"],
                                capsysbinary)
    assert sorted_out == written.read_bytes()
    lines = out.split(b"\n")[:-1]
    assert sorted_out.split(b"\n")[:-1] == sorted(lines, key=trie_key)


def test_train_counts_on_stdout(capsysbinary):
    status, out, err = run(ngram_count, ["-order", 3, "-text", REFERENCE / "en" / "train.txt.gz",
                                         "-write-order", 0], capsysbinary)
    assert status == 0, err
    lines = out.split(b"\n")[:-1]
    assert len(lines) == 171996  # counts-write-order0.exit.txt: exit=0; 171996 lines
    assert out.startswith((BYTES_DATA / "en" / "counts-write-order0.stdout.head20.txt").read_bytes())


def test_nothing_on_stdout_when_something_is_written(tmp_path, capsysbinary):
    text = tmp_path / "t.txt"
    text.write_bytes(b"a b\n")
    for flags in (["-write-vocab", tmp_path / "v.txt"], ["-write1", tmp_path / "c1.txt"],
                  ["-lm", tmp_path / "lm.arpa", "-wbdiscount"], ["-write", tmp_path / "c.txt"]):
        status, out, err = run(ngram_count, ["-order", 2, "-text", text] + flags, capsysbinary)
        assert status == 0, err
        assert out == b""
    status, _, err = run(ngram_count, ["-order", 2, "-text", text, "-write-order", 3], capsysbinary)
    assert status == 2 and "-write-order 3 is outside 1..2" in err
