"""SRILM's word aliases (`-vocab-aliases FILE`): other spellings that stand for a word.

An alias is another name of its word, as in SRILM's Vocab: the vocabulary holds the aliases
(Vocabulary.aliased) and every lookup of a name finds the word, in the text counted or scored and
in the ARPA files read (an alias's n-grams are its word's). The aliased words join the
vocabulary, and each name counts as a word where SRILM iterates over its vocabulary
(Vocabulary.name_counts).
"""

from .textio import iter_lines, split_words


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
