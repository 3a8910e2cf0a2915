"""SRILM details of the vocabulary (Vocab.cc, LM.cc, ngram.cc), worked out by hand on models
written out here: -nonevents words are left out of the -debug 3 probability sums
(LM::wordProbSum skips isNonWord), ..."""

import numpy as np

from ngramkit.cli import ngram as ngram_cmd

f32 = np.float32
ARPA = """
\\data\\
ngram 1=5
ngram 2=2

\\1-grams:
-0.5\t</s>
-99\t<s>\t-0.3
-0.6\ta\t-0.2
-0.7\tb
-0.9\tc

\\2-grams:
-0.3\t<s> a
-0.2\ta b

\\end\\
"""


def g7(x):
    return f"{x:.7g}"


def p(*logps):
    """A backed-off probability: the float32 sum of the float32 log10s, as SRILM adds them."""
    total = f32(0.0)
    for x in logps:
        total = f32(total + f32(x))
    return 10.0 ** float(total)


def test_nonevents_are_left_out_of_debug_3_sums(tmp_path, capsys):
    (tmp_path / "lm.arpa").write_text(ARPA)
    (tmp_path / "t.txt").write_text("a b\n")
    (tmp_path / "ne.txt").write_text("c\n")
    ngram_cmd.main(["-lm", str(tmp_path / "lm.arpa"), "-ppl", str(tmp_path / "t.txt"), "-debug", "3",
                    "-nonevents", str(tmp_path / "ne.txt")])
    out, err = capsys.readouterr()
    # the sums run over </s>, a, b: not <s>, not the closed vocabulary's <unk>, not c
    after_bos = p(-0.3, -0.5) + p(-0.3) + p(-0.3, -0.7)            # bow(<s>) p(</s>), p(a|<s>), bow p(b)
    after_a = p(-0.2, -0.5) + p(-0.2, -0.6) + p(-0.2)              # bow(a) p(</s>), bow(a) p(a), p(b|a)
    after_b = p(-0.5) + p(-0.6) + p(-0.7)                          # b has no bigrams and no weight
    # 10^-0.8 + 10^-0.3 + 10^-1 = 0.1584893 + 0.5011872 + 0.1 = 0.7596765
    assert g7(after_bos) == "0.7596765"
    lines = out.splitlines()
    assert lines[1] == f"\tp( a | <s> ) \t= [2gram] {g7(p(-0.3))} [ -0.3 ] / {g7(after_bos)}"
    assert lines[2] == f"\tp( b | a ...) \t= [2gram] {g7(p(-0.2))} [ -0.2 ] / {g7(after_a)}"
    assert lines[3] == f"\tp( </s> | b ...) \t= [1gram] {g7(p(-0.5))} [ -0.5 ] / {g7(after_b)}"
    assert f"sum to {after_bos:g} != 1 : <s>\n" in err
    # without -nonevents, c is summed too: + bow(<s>) p(c) = 10^-1.2
    ngram_cmd.main(["-lm", str(tmp_path / "lm.arpa"), "-ppl", str(tmp_path / "t.txt"), "-debug", "3"])
    out, _ = capsys.readouterr()
    assert out.splitlines()[1].endswith(f"/ {g7(after_bos + p(-0.3, -0.9))}")
