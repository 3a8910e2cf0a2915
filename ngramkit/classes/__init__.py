"""Class-based n-gram models as SRILM makes and uses them.

A class LM is an `NgramModel` over tokens that are class names or words, plus a class
membership table (SRILM's classes file: `CLASS [p] word ...` lines, see classes-format(5)).

- `load_classes` reads a classes file into `ClassDefinitions`.
- `replace_words_with_classes` rewrites text with class names, as SRILM's
  `replace-words-with-classes` script does (longest expansion first, left to right).
- `ClassModel` scores text as `ngram -classes` does: by default with SRILM's ClassNgram, a
  forward pass over the ways the words can be read as classes or as themselves (the class
  LM's probabilities times the membership probabilities, summed); with `simple=True` as
  SimpleClassNgram, each word replaced by its only class. An expansion of several words is read
  as its class once (the forward pass keeps where a path is inside an expansion). Its reports are the perplexity
  module's `PerplexityReport`/`TextStats`, and `-debug 1/2` text is written by that module's
  writer (at debug 2 each word shows one n-gram tag per path of the forward pass).
- `ClassModel.expand` is `ngram -expand-classes N`: the equivalent word n-gram model;
  `ClassModel.to_fst` the G.fst of the class model with classes replaced by their words.
- `induce_classes` is `ngram-class`: Brown et al.'s greedy merging (incremental or full), from
  a text or a count file, each word its own class or in the class a classes file gives it;
  `ClassInduction.after(k)` the classes after k merges, which `save_intermediate` writes as
  `-save` does.

The forward pass keeps SRILM's arithmetic: float32 log probabilities summed with
`AddLogP` in double, and the states of a position visited in the order of SRILM's hash
table (its LHash, keyed by SRILM's vocabulary indices), which fixes both the order of the
debug-2 tags and the rounding of each sum. Class induction likewise keeps its counts in
emulated LHash tables filled and merged in SRILM's order, so that its float32 sums, and with
them the merges that win among near ties, are SRILM's (`lhash`).
"""

from .definitions import ClassDefinitions, load_classes
from .induce import ClassInduction, induce_classes, save_intermediate
from .model import ClassModel, ClassScorer
from .replace import ClassReplacer, replace_words_with_classes

__all__ = ["ClassDefinitions", "ClassInduction", "ClassModel", "ClassReplacer", "ClassScorer", "induce_classes",
           "load_classes", "replace_words_with_classes", "save_intermediate"]
