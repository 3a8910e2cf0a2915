"""`ngramkit precompile` compiles the kernels each part's commands run."""

import subprocess
import sys

import pytest

from ngramkit.cli.main import main
from ngramkit.precompile import precompile

# In a fresh interpreter a kernel has signatures only once something has called it.
CHECK = """
import importlib, sys
from ngramkit.precompile import precompile
precompile([sys.argv[1]])
for name in sys.argv[2:]:
    module, kernel = name.rsplit(".", 1)
    if not getattr(importlib.import_module(module), kernel).signatures:
        sys.exit(f"{name} was not compiled")
"""


@pytest.mark.parametrize("part, kernels", [
    ("count", ["ngramkit.tokenize._tokenize", "ngramkit.countfile._format_counts"]),
    ("estimate", ["ngramkit.estimate.probabilities._order_probabilities", "ngramkit.arpa._format_section"]),
    ("ppl", ["ngramkit.arpa._parse_body", "ngramkit.perplexity.ppl_block"]),
    ("prune", ["ngramkit.prune._perplexity_changes", "ngramkit.arpa._format_section"]),
    ("fst", ["ngramkit.fst._order_arcs", "ngramkit.fst._serialize_states"]),
    ("score", ["ngramkit.scoring.score_sentence", "ngramkit.scoring.score_lines"]),
])
def test_each_part_compiles_its_kernels(part, kernels):
    proc = subprocess.run([sys.executable, "-c", CHECK, part, *kernels], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_unknown_part_is_a_usage_error():
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["precompile", "bogus"])
    assert result.exit_code == 2 and "'bogus' is not one of" in result.output
    with pytest.raises(ValueError, match="unknown parts"):
        precompile(["bogus"])
