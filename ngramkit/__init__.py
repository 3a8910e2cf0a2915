"""ngramkit: n-gram language models for speech recognition.

`Model` and `State` stand in for `kenlm.Model` and `kenlm.State`.
"""

__all__ = ["Model", "State", "FullScoreReturn"]


def __getattr__(name):
    # Imported on first use: the command-line tools need not load the scorer.
    if name in __all__:
        from . import lm

        return getattr(lm, name)
    raise AttributeError(f"module 'ngramkit' has no attribute {name!r}")
