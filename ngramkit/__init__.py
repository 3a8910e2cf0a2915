"""ngramkit: n-gram language models for speech recognition.

The pipeline, one call per stage:

    import ngramkit
    counts = ngramkit.count("train.txt", order=3)                 # NgramCounts
    model = ngramkit.train("train.txt", order=3)                  # NgramModel (modified Kneser-Ney)
    model = ngramkit.train("train.txt", kenlm=True)               # exactly KenLM's lmplz
    model = ngramkit.load("lm.arpa.gz")                           # ARPA or binary (.ngk)
    report = model.perplexity("dev.txt")                          # SRILM's ppl, per sentence and word
    small = model.prune(1e-7)                                     # or prune(target_size=1_000_000)
    mixed = ngramkit.mix([a, b], [0.6, 0.4])
    weights = ngramkit.best_mix([a.perplexity("dev.txt"), b.perplexity("dev.txt")])
    model.write("lm.arpa.gz"); model.write("lm.ngk")
    fst = model.to_fst()                                          # Kaldi's G.fst, a pynini.Fst
    scorer = model.scorer()                                       # kenlm.Model's API

`Model`, `State`, `Config`, `LoadMethod`, `ARPALoadComplain` and `LanguageModel` stand in for
the `kenlm` module's.
"""

_EXPORTS = {
    "Model": "lm", "State": "lm", "FullScoreReturn": "lm", "Config": "lm", "LoadMethod": "lm",
    "ARPALoadComplain": "lm", "LanguageModel": "lm",
    "train": "training", "count": "training", "lmplz": "training",
    "load": "formats", "save": "formats", "FORMATS": "formats",
    "mix": "mixing", "rescore_ngrams": "mixing", "best_mix": ("mixing", "weights_from_reports"), "mix_all": "mixing",
    "BayesMixture": "mixture_lm", "LoglinearMixture": "mixture_lm", "AdaptedMarginals": "mixture_lm",
    "read_mix_lms": "mixture_lm",
    "NgramModel": "model", "NgramCounts": "model", "Vocabulary": "vocab",
    "PerplexityReport": "perplexity", "METHODS": "estimate.smoothing",
    "NgramkitError": "errors", "UsageError": "errors", "FormatError": "errors", "EncodingError": "errors",
    "MissingFileError": "errors", "OutputError": "errors", "EstimationError": "errors",
    "EmptyInputError": "errors",
    "CountLM": "count_lm", "read_count_lm": "count_lm", "SkipLM": "skip_lm", "read_skip_lm": "skip_lm",
    "train_skip_lm": "skip_lm", "write_skip_lm": "skip_lm",
    "read_google": "google_counts", "read_counts": "countfile",
    "make_batch_counts": "batch_counts", "merge_batch_counts": "batch_counts",
    "read_srilm_binary": "srilm_binary", "write_srilm_binary": "srilm_binary",
    "arpa_to_kenlm_binary": "kenlm_binary",
    "ClassModel": "classes", "load_classes": "classes", "induce_classes": "classes", "save_intermediate": "classes",
    "UnsortedCounts": "srilm_trie",
    "make_big_lm": "big_lm", "apply_min_counts": "mincounts",
    "HiddenEventModel": "hidden_lm", "HiddenSentenceModel": "hidden_lm", "read_hidden_vocab": "hidden_lm",
    "load_hidden_event_model": "hidden_lm", "load_hidden_sentence_model": "hidden_lm",
    "TaggedScorer": "tagged_lm", "write_tagged_vocab": "tagged_lm", "TaggedGenerator": "tagged_lm",
    "prune_tagged": "tagged_lm", "mix_tagged": "tagged_lm",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    # Imported on first use: `import ngramkit` stays cheap, and the command-line tools load
    # only what they run.
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'ngramkit' has no attribute {name!r}")
    module_name, attribute = target if isinstance(target, tuple) else (target, name)
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module_name}"), attribute)
    # Kept as a module attribute: later lookups (`kenlm.State()` per word in a decoder) skip this.
    globals()[name] = value
    return value


def __dir__():
    return __all__
