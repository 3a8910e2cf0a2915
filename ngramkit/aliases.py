"""SRILM's word aliases (`-vocab-aliases FILE`): other spellings that stand for a word.

Counting (ngram-count) takes each alias of the text as its word (counting.TextOptions.aliases);
`ngram -ppl` scores it as its word (`alias_word_table`). The aliased words join the vocabulary,
as SRILM's readAliases adds them.
"""

import numpy as np

from .textio import iter_lines, split_words, word_bytes


def read_aliases(path, encoding="utf-8", warn=None):
    """SRILM's -vocab-aliases file: `ALIAS WORD` per line (later fields ignored), the alias read
    as the word. Returns {alias: word}; an alias of an alias stands for the latter's word, a
    later line for the same alias wins, and a line of one field is skipped with
    warn(message, line)."""
    aliases = {}
    for line_no, line in iter_lines(path, encoding, allow_bytes=True):
        fields = split_words(line)
        if not fields:
            continue
        if len(fields) < 2:
            if warn is not None:
                warn("line contains only one token", line_no)
            continue
        alias, word = fields[0], aliases.get(fields[1], fields[1])
        if alias == word:
            aliases.pop(alias, None)
        else:
            aliases[alias] = word
    return aliases


def alias_word_table(vocab, aliases):
    """The scorer's word lookup of `vocab` with each alias finding its word's id (an alias that
    is also a word of `vocab` stands for its word, as in SRILM, where aliasing removes the name).
    Every aliased word must be in `vocab`."""
    from .scoring import EMPTY, WordTable, build_word_table

    plain = [w for w in vocab.words if w not in aliases]
    names = plain + list(aliases)
    ids = np.array([vocab.index[w] for w in plain] + [vocab.index[w] for w in aliases.values()], dtype=np.int64)
    encoded = [word_bytes(w) for w in names]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    table = np.full((max(16, 2 * len(names)), 2), EMPTY, dtype=np.int64)
    build_word_table(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets, table)
    filled = table[:, 0] != EMPTY
    table[filled, 1] = ids[table[filled, 1]]
    return WordTable(table)
