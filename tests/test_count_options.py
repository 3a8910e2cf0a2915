"""ngram-count's options of pruning, weighted text and count handling, against SRILM 1.7.3's
outputs on small corpora (tests/data/countopts/README.md names the commands that made them)."""

import gzip
import re

import pytest
from conftest import DATA

from ngramkit.cli import ngram, ngram_count

HERE = DATA / "countopts"
TRAIN = HERE / "train.txt"


def expected(name):
    return gzip.decompress((HERE / name).read_bytes())


@pytest.mark.parametrize("flags, reference", [
    (["-kndiscount", "-interpolate", "-prune", "1e-4"], "mkn3-prune.arpa.gz"),
    (["-wbdiscount", "-prune", "3e-4", "-minprune", "3"], "wb3-prune-minprune3.arpa.gz"),
    # the marginal of a context skips its non-events of probability zero, as SRILM's vocabulary
    # knows them in ngram-count (not in ngram, which prunes far more of this model: below)
    (["-kndiscount", "-interpolate", "-nonevents", HERE / "nonevents.txt", "-prune", "1e-4"],
     "mkn3-nonevents-prune.arpa.gz"),
])
def test_prune_prunes_the_estimated_model_as_srilm(cli, tmp_path, flags, reference):
    lm = tmp_path / "lm.arpa"
    status, _, err = cli(ngram_count.main, ["-order", "3", "-text", TRAIN, *flags, "-lm", lm, "-q"])
    assert (status, err) == (0, "")
    assert lm.read_bytes() == expected(reference)


def test_ngram_prune_never_prunes_ngrams_of_probability_zero(cli, tmp_path):
    full, out = tmp_path / "full.arpa", tmp_path / "pruned.arpa"
    full.write_bytes(expected("mkn3-nonevents.arpa.gz"))
    status, _, err = cli(ngram.main, ["-lm", full, "-prune", "1e-4", "-write-lm", out])
    assert (status, err) == (0, "")
    assert out.read_bytes() == expected("mkn3-nonevents.ngram-prune.arpa.gz")


def test_minprune_below_one_is_refused(cli, tmp_path):
    lm = tmp_path / "lm.arpa"
    status, _, err = cli(ngram_count.main, ["-text", TRAIN, "-prune", "1e-4", "-minprune", "0", "-lm", lm, "-q"])
    assert status != 0 and not lm.exists()
    assert err == "ngram-count: -minprune: the lowest pruned order must be at least 1, not 0\n"


@pytest.mark.parametrize("flags, reference", [
    (["-order", "10"], "gt10.arpa.gz"),  # SRILM's defaults above order 9: cutoff 1, Good-Turing up to 5
    (["-order", "11", "-gtmin", "2", "-gtmax", "3"], "gt11-gtmin2-gtmax3.arpa.gz"),
])
def test_gtmin_and_gtmax_set_the_orders_above_nine(cli, tmp_path, flags, reference):
    lm = tmp_path / "lm.arpa"
    status, _, _ = cli(ngram_count.main, [*flags, "-text", TRAIN, "-lm", lm, "-q"])
    assert status == 0
    assert lm.read_bytes() == expected(reference)


@pytest.mark.parametrize("flags, reference", [
    ([], "gt3-trust-totals.arpa.gz"),
    (["-wbdiscount"], "wb3-trust-totals.arpa.gz"),
    (["-ukndiscount"], "ukn3-trust-totals.arpa.gz"),
    (["-kndiscount", "-interpolate"], "mkn3-trust-totals.arpa.gz"),  # continuation counts of the contexts
])
def test_trust_totals_divides_by_the_context_counts(cli, tmp_path, flags, reference):
    lm = tmp_path / "lm.arpa"
    status, _, _ = cli(ngram_count.main, ["-order", "3", "-read", HERE / "cut.counts", "-gt3min", "1", *flags,
                                          "-trust-totals", "-lm", lm, "-q"])
    assert status == 0
    assert lm.read_bytes() == expected(reference)


def test_recompute_sums_the_counts_of_extensions(cli, tmp_path):
    counts = tmp_path / "in.counts"
    counts.write_text("a b\t3\na c\t2\na\t1\nb\t7\nb c\t1\nx y z\t4\n")
    status, out, _ = cli(ngram_count.main, ["-order", "3", "-read", counts, "-recompute", "-sort", "-write", "-"])
    assert status == 0  # SRILM 1.7.3's output; x and x y were prefixes only
    assert out == "a\t5\na b\t3\na c\t2\nb\t1\nb c\t1\nx\t4\nx y\t4\nx y z\t4\n"


@pytest.mark.parametrize("flags, reference", [
    (["-read", HERE / "cut.counts"], "cut-recompute.counts.gz"),
    (["-text", TRAIN, "-no-eos"], "train-no-eos-recompute.counts.gz"),
])
def test_recompute_as_srilm(cli, tmp_path, flags, reference):
    out = tmp_path / "out.counts"
    status, _, _ = cli(ngram_count.main, ["-order", "3", *flags, "-recompute", "-sort", "-write", out])
    assert status == 0
    assert out.read_bytes() == expected(reference)


def test_write_text_copies_the_lines_srilm_reads_and_counts_nothing(cli, tmp_path):
    text, copy = tmp_path / "in.txt", tmp_path / "out.txt"
    text.write_bytes(b"a b\n\n  c d  \n#x y\n## comment\n\x0b\x0c\r\ne\tf\r\nlast")
    status, out, _ = cli(ngram_count.main, ["-text", text, "-write-text", copy])
    assert (status, out) == (0, "")
    assert copy.read_bytes() == b"a b\n  c d  \n#x y\ne\tf\r\nlast"  # SRILM 1.7.3's copy


def test_write_text_with_an_output_of_counts_is_refused(cli, tmp_path):
    status, _, err = cli(ngram_count.main, ["-text", TRAIN, "-write-text", tmp_path / "t", "-lm", tmp_path / "lm"])
    assert status != 0 and not (tmp_path / "t").exists()
    assert err == "ngram-count: -write-text copies -text without counting it: it takes no -lm, -write or other output\n"


@pytest.mark.parametrize("flags", [[], ["-sort"]])  # SRILM's trie order, and sorted counts
def test_memuse_prints_the_memory_of_the_counts_on_stderr(cli, tmp_path, flags):
    text = tmp_path / "one.txt"
    text.write_text("a\n")
    status, out, err = cli(ngram_count.main, ["-text", text, "-memuse", *flags])
    assert status == 0 and sorted(out.splitlines()) == sorted(
        ["<s>\t1", "<s> a\t1", "<s> a </s>\t1", "a\t1", "a </s>\t1", "</s>\t1"])
    assert re.fullmatch(r"total memory (\d+) \(\S+M\), used \1 \(\S+M\), wasted 0 \(0M\)\n", err)


def test_kn_modify_counts_at_end_takes_discounts_from_the_raw_counts(cli, tmp_path):
    lm = tmp_path / "lm.arpa"
    status, _, _ = cli(ngram_count.main, ["-order", "3", "-kndiscount", "-interpolate", "-text", TRAIN,
                                          "-kn-modify-counts-at-end", "-lm", lm, "-q"])
    assert status == 0
    assert lm.read_bytes() == expected("mkn3-modify-at-end.arpa.gz")


def test_intersect_keeps_the_ngrams_of_its_file_and_their_prefixes(cli, tmp_path):
    out = tmp_path / "out.counts"
    status, _, _ = cli(ngram_count.main, ["-order", "3", "-intersect", HERE / "third.counts", "-read",
                                          HERE / "cut.counts", "-sort", "-write", out])
    assert status == 0
    assert out.read_bytes() == expected("intersect.counts.gz")


@pytest.mark.parametrize("flags, reference", [
    (["-wbdiscount"], "intersect-wb3.arpa.gz"),
    (["-ukndiscount", "-interpolate"], "intersect-ukn3.arpa.gz"),
])
def test_intersect_estimates_as_srilm(cli, tmp_path, flags, reference):
    """The n-grams -intersect keeps with count 0 are observed followers of their context in
    SRILM's estimate (its totals count every node of the count trie)."""
    lm = tmp_path / "lm.arpa"
    status, _, _ = cli(ngram_count.main, ["-order", "3", "-intersect", HERE / "third.counts", "-read",
                                          HERE / "cut.counts", *flags, "-lm", lm])
    assert status == 0
    assert lm.read_bytes() == expected(reference)


@pytest.mark.parametrize("flags, reference", [
    (["-sort", "-write", "OUT"], "noprefix-write.counts.gz"),
    (["-wbdiscount", "-lm", "OUT"], "noprefix-wb3.arpa.gz"),
    (["-kndiscount", "-interpolate", "-lm", "OUT"], "noprefix-mkn3.arpa.gz"),
    (["-cdiscount", "0.5", "-interpolate", "-lm", "OUT"], "noprefix-cd3i.arpa.gz"),
])
def test_missing_prefixes_are_counted_zero(cli, tmp_path, flags, reference):
    """A count file without the prefixes of some of its n-grams: SRILM's count trie holds them
    counted 0, so -write writes them and the estimate counts them among their context's
    followers (Witten-Bell's and the interpolated methods' lower-order weights grow)."""
    out = tmp_path / "out"
    status, _, _ = cli(ngram_count.main, ["-order", "3", "-read", HERE / "noprefix.counts",
                                          *[out if f == "OUT" else f for f in flags]])
    assert status == 0
    assert out.read_bytes() == expected(reference)


def test_write_with_lm_writes_the_counts_kneser_ney_left(cli, tmp_path):
    """SRILM writes the counts after estimating: the orders below the highest hold Kneser-Ney's
    continuation counts (</s> 134 where it was counted 400 times), the model is unchanged."""
    out, lm, plain = tmp_path / "out.counts", tmp_path / "lm.arpa", tmp_path / "plain.arpa"
    flags = ["-order", "3", "-text", TRAIN, "-kndiscount", "-interpolate", "-sort"]
    assert cli(ngram_count.main, [*flags, "-lm", lm, "-write", out])[0] == 0
    assert out.read_bytes() == expected("mkn3-lm-write.counts.gz")
    assert cli(ngram_count.main, [*flags, "-lm", plain])[0] == 0
    assert lm.read_bytes() == plain.read_bytes()
    # SRILM prunes the model, not the count trie: the same counts with -prune
    assert cli(ngram_count.main, [*flags, "-lm", lm, "-prune", "1e-4", "-write", out])[0] == 0
    assert out.read_bytes() == expected("mkn3-lm-write.counts.gz")
    # without -lm SRILM fits the discounts all the same, and writes the counts that leaves
    assert cli(ngram_count.main, [*flags, "-write", out])[0] == 0
    assert out.read_bytes() == expected("mkn3-lm-write.counts.gz")
    assert cli(ngram_count.main, ["-order", "3", "-text", TRAIN, "-sort", "-write", out])[0] == 0
    assert out.read_text().startswith("</s>\t400\n")


def test_orders_above_the_counts_are_written_empty(cli, tmp_path):
    """-order 5 over count files of 3-grams: empty 4- and 5-gram sections, as SRILM's."""
    lm = tmp_path / "lm.arpa"
    status, _, _ = cli(ngram_count.main, ["-order", "5", "-read", HERE / "cut.counts", "-lm", lm])
    assert status == 0
    assert lm.read_bytes() == expected("gt5-read3.arpa.gz")


@pytest.mark.parametrize("flags, message", [
    (["-text", TRAIN], "-intersect applies to the count files of -read"),
])
def test_intersect_refusals(cli, tmp_path, flags, message):
    status, _, err = cli(ngram_count.main, ["-intersect", HERE / "third.counts", *flags])
    assert status != 0 and err == f"ngram-count: {message}\n"


def test_intersect_file_with_a_bad_count_names_file_and_line(cli, tmp_path):
    bad = tmp_path / "bad.counts"
    bad.write_text("a\t1\na b\tx\n")
    status, _, err = cli(ngram_count.main, ["-intersect", bad, "-read", HERE / "cut.counts"])
    assert status != 0 and err.startswith(f"ngram-count: {bad}:2: ")


def test_prune_reports_what_it_pruned(cli, tmp_path):
    # SRILM 1.7.3, `ngram-count -text train.txt -order 3 -prune 1e-4 -lm F -debug 1`: its last lines
    status, _, err = cli(ngram_count.main, ["-text", TRAIN, "-order", "3", "-prune", "1e-4", "-lm",
                                            tmp_path / "lm.arpa", "-debug", "1"])
    assert status == 0
    assert err.splitlines()[-6:] == ["discarded 2518 3-gram probs discounted to zero", "pruned 73 3-grams",
                                     "pruned 1268 2-grams", "writing 348 1-grams", "writing 709 2-grams",
                                     "writing 40 3-grams"]


def test_train_prunes_as_ngram_count(tmp_path):
    import ngramkit

    lm = tmp_path / "lm.arpa"
    ngramkit.train(str(TRAIN), order=3, cutoffs=[1, 1, 2], prune=1e-4, output=lm, progress=False)
    assert lm.read_bytes() == expected("mkn3-prune.arpa.gz")


@pytest.mark.parametrize("flags, reference", [
    (["-text", TRAIN], "train.vocab-index"),
    (["-read", HERE / "cut.counts", "-tolower"], "cut.vocab-index"),
])
def test_write_vocab_index_as_srilm(cli, tmp_path, flags, reference):
    out = tmp_path / "index"
    status, stdout, _ = cli(ngram_count.main, [*flags, "-write-vocab-index", out])
    assert (status, stdout) == (0, "")  # an output: no counts on stdout
    assert out.read_bytes() == (HERE / reference).read_bytes()


def test_write_vocab_index_with_map_unk(cli, tmp_path):
    text, out = tmp_path / "t.txt", tmp_path / "index"
    text.write_text("b a <unk> XX\nc a d\n")
    status, _, _ = cli(ngram_count.main, ["-text", text, "-map-unk", "XX", "-write-vocab-index", out])
    assert status == 0  # SRILM 1.7.3's map: index 0 unused, <unk> a word like the others
    assert out.read_text() == "1 <s>\n2 </s>\n3 -pau-\n4 XX\n5 b\n6 a\n7 <unk>\n8 c\n9 d\n.\n"


def test_write_vocab_index_with_a_vocabulary_is_refused(cli, tmp_path):
    status, _, err = cli(ngram_count.main, ["-text", TRAIN, "-vocab", HERE / "nonevents.txt", "-write-vocab-index",
                                            tmp_path / "index"])
    assert status != 0 and not (tmp_path / "index").exists()
    assert err == "ngram-count: -write-vocab-index is supported without -vocab, -vocab-aliases or -nonevents\n"


@pytest.mark.parametrize("flags, reference", [
    (["-renorm"], "mkn3-prune.vocab-renorm.arpa.gz"),
    (["-prune", "1e-3"], "mkn3-prune.vocab-prune.arpa.gz"),
])
def test_recomputed_backoffs_give_vocabulary_words_unigrams(cli, tmp_path, flags, reference):
    """Recomputing backoff weights, SRILM gives each -vocab word without a unigram one, sharing the
    mass left over among them (here none is left: log10 0, written -99)."""
    model, out = tmp_path / "lm.arpa", tmp_path / "out.arpa"
    model.write_bytes(expected("mkn3-prune.arpa.gz"))
    status, _, _ = cli(ngram.main, ["-lm", model, "-vocab", HERE / "extra.vocab", *flags, "-write-lm", out])
    assert status == 0
    assert out.read_bytes() == expected(reference)


@pytest.mark.parametrize("flags, reference", [
    (["-prune", "1e-3"], "mkn3-prune.debug1-prune.stderr"),
    (["-vocab", HERE / "extra.vocab", "-limit-vocab"], "mkn3-prune.debug1-limit-vocab.stderr"),
])
def test_debug_1_lines_of_reading_pruning_and_writing(cli, tmp_path, flags, reference):
    """-debug 1: SRILM's lines of the n-grams read (and left out for -limit-vocab), pruned and written."""
    model = tmp_path / "lm.arpa"
    model.write_bytes(expected("mkn3-prune.arpa.gz"))
    status, _, err = cli(ngram.main, ["-lm", model, *flags, "-debug", "1", "-write-lm", tmp_path / "out.arpa"])
    assert status == 0
    assert err == (HERE / reference).read_text()


def test_write_lm_writes_the_orders_up_to_order(cli, tmp_path):
    """-order 5 on a 3-gram: empty 4- and 5-gram sections, the 3-grams without backoff weights."""
    model, out = tmp_path / "lm.arpa", tmp_path / "out.arpa"
    model.write_bytes(expected("mkn3-prune.arpa.gz"))
    assert cli(ngram.main, ["-lm", model, "-order", "5", "-write-lm", out])[0] == 0
    assert out.read_bytes() == expected("mkn3-prune.order5.arpa.gz")


def test_prune_lowprobs_of_a_4gram_as_srilm(cli, tmp_path):
    """Passes until nothing is pruned, each order's count on stderr; at the end the contexts whose
    n-grams were all pruned but whose longer n-grams stay get their probabilities back and keep a
    weight of log 1 (written 0), as SRILM's fixupProbs leaves them."""
    model, out = tmp_path / "lm.arpa", tmp_path / "out.arpa"
    model.write_bytes(expected("gt4.arpa.gz"))
    status, _, err = cli(ngram.main, ["-lm", model, "-order", "4", "-prune-lowprobs", "-debug", "1", "-write-lm", out])
    assert status == 0
    assert out.read_bytes() == expected("gt4.prune-lowprobs.arpa.gz")
    assert err == (HERE / "gt4.prune-lowprobs.stderr").read_text()


def test_an_orders_own_method_beats_the_one_of_all_orders(cli, tmp_path):
    # SRILM 1.7.3: -wbdiscount -kndiscount2 is -wbdiscount1 -kndiscount2 -wbdiscount3, whatever
    # the flags' order, and differs from -wbdiscount
    models = {}
    for name, flags in (("given", ["-wbdiscount", "-kndiscount2"]), ("swapped", ["-kndiscount2", "-wbdiscount"]),
                        ("spelled", ["-wbdiscount1", "-kndiscount2", "-wbdiscount3"]), ("wb", ["-wbdiscount"])):
        assert cli(ngram_count.main, ["-text", TRAIN, "-order", "3", *flags, "-lm", tmp_path / name])[0] == 0
        models[name] = (tmp_path / name).read_bytes()
    assert models["given"] == models["swapped"] == models["spelled"] != models["wb"]
    # two methods of all orders are refused, as SRILM refuses them; -cdiscount -1 is SRILM's "none"
    status, _, err = cli(ngram_count.main, ["-text", TRAIN, "-kndiscount", "-wbdiscount", "-lm", tmp_path / "x"])
    assert status == 2 and err.strip().endswith("conflicting default discounting options")
    assert cli(ngram_count.main, ["-text", TRAIN, "-order", "3", "-cdiscount", "-1", "-lm", tmp_path / "gt"])[0] == 0
    assert cli(ngram_count.main, ["-text", TRAIN, "-order", "3", "-lm", tmp_path / "default"])[0] == 0
    assert (tmp_path / "gt").read_bytes() == (tmp_path / "default").read_bytes()


def test_discounts_without_lm_are_fitted_for_the_orders_named(cli, tmp_path):
    # SRILM 1.7.3, `ngram-count -text train.txt -order 2 -kndiscount2 -sort -write F -debug 1`:
    # order 2's discounts alone (order 1 names no method, and no model asks for one)
    status, _, err = cli(ngram_count.main, ["-text", TRAIN, "-order", "2", "-kndiscount2", "-sort", "-write",
                                            tmp_path / "c", "-debug", "1"])
    assert status == 0
    assert err.splitlines()[2:] == ["using ModKneserNey for 2-grams", "Kneser-Ney smoothing 2-grams", "n1 = 1605",
                                    "n2 = 193", "n3 = 69", "n4 = 36", "D1 = 0.806128", "D2 = 1.1354",
                                    "D3+ = 1.31765"]
