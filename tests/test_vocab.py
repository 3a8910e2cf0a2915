"""`ngramkit vocab`: top-N words by count from text or counts, lexicon word lists, OOV rates."""

from ngramkit.cli.main import main


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_top_words_from_text(cli, tmp_path):
    text = write(tmp_path / "text.txt", "b a c c\nc b d\n\n")
    status, out, err = cli(main, ["vocab", "-q", "--text", text])
    assert (status, out) == (0, "c\nb\na\nd\n"), err
    status, out, _ = cli(main, ["vocab", "-q", "--text", text, "--top", 2])
    assert (status, out) == (0, "c\nb\n")


def test_top_words_from_counts_without_sentence_marks(cli, tmp_path):
    counts = write(tmp_path / "counts.txt", "<s>\t9\na\t3\nb\t5\n</s>\t9\nc\t5\n北京\t5\nb c\t2\n")
    out_path = tmp_path / "vocab.txt"
    status, out, err = cli(main, ["vocab", "--counts", counts, "--top", 3, "--write", out_path])
    assert (status, out) == (0, ""), err
    assert out_path.read_text(encoding="utf-8") == "b\nc\n北京\n"


def test_lexicon_words(cli, tmp_path):
    lexicon = write(tmp_path / "lexicon.txt", "<SPOKEN_NOISE> sil\n中国 zh ong1 g uo2\nabc a b c\n中国 zh ong1 g uo5\n")
    status, out, _ = cli(main, ["vocab", "--lexicon", lexicon])
    assert (status, out) == (0, "abc\n中国\n")


def test_oov_rate(cli, tmp_path):
    train = write(tmp_path / "train.txt", "a a a b b c\n")
    test = write(tmp_path / "test.txt", "a x x\nb y\n")
    status, out, err = cli(main, ["vocab", "-q", "--text", train, "--top", 2, "--oov-text", test])
    assert status == 0, err
    assert out == "OOV: tokens 5 OOV 3 (60.00%); types 4 OOV 2 (50.00%)\n"


def test_bad_input(cli, tmp_path):
    status, _, err = cli(main, ["vocab", "--text", tmp_path / "absent.txt"])
    assert (status, err) == (3, f"ngramkit vocab: {tmp_path / 'absent.txt'}: no such file\n")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("a\ncaf\u00e9\n".encode("latin-1"))
    status, _, err = cli(main, ["vocab", "-q", "--text", latin1])
    assert status == 5 and err.startswith(f"ngramkit vocab: {latin1}:2: invalid utf-8 byte 0xe9")
    empty = write(tmp_path / "lexicon.txt", "\n")
    status, _, err = cli(main, ["vocab", "--lexicon", empty])
    assert (status, err) == (8, f"ngramkit vocab: {empty}: word list holds no words\n")
    status, _, err = cli(main, ["vocab", "--lexicon", empty, "--text", latin1])
    assert (status, err) == (2, "ngramkit vocab: give --counts/--text or --lexicon\n")
