"""One order's rows cut into pieces at context boundaries, estimated in parallel threads.

Each context (a run of rows sharing all ids but the last) is estimated on its own, so pieces
that start at contexts are independent; the compiled kernels run without the GIL, so a piece
per core runs at once. Small tables stay whole: threads would cost more than they save.
Row-by-row work (gathers, counting into a row's own slot) is cut the same way into equal runs
of rows, or of groups of rows (the extensions of each lower-order row).
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..jit import available_cores
from ..tables import context_end

PIECE_ROWS = 1 << 20  # the fewest rows worth a piece of their own


def context_pieces(rows, width):
    """Bounds 0 = b0 < b1 < ... = len(rows) of about equal pieces, one per core, each starting
    at a context (rows sharing their first `width` ids)."""
    n = len(rows)
    parts = max(1, min(available_cores(), n // PIECE_ROWS))
    bounds = [0]
    for p in range(1, parts):
        cut = n * p // parts
        if cut > bounds[-1]:
            cut = int(context_end(rows, cut - 1, width))  # the end of the context holding row cut-1
            if cut < n and cut > bounds[-1]:
                bounds.append(cut)
    bounds.append(n)
    return bounds


def row_pieces(n):
    """Bounds 0 = b0 < b1 < ... = n of about equal pieces of n independent rows, one per core."""
    parts = max(1, min(available_cores(), n // PIECE_ROWS))
    return [n * p // parts for p in range(parts + 1)]


def group_pieces(first):
    """Bounds 0 = g0 < g1 < ... = len(first) - 1 over the groups of `first` (group g holds rows
    first[g]:first[g+1], first ascending from 0) of about equal rows, one piece per core."""
    groups = len(first) - 1
    rows = row_pieces(int(first[groups]))
    cuts = np.searchsorted(first[:groups], rows[1:-1]).tolist() if len(rows) > 2 else []
    bounds = [0]
    for cut in cuts:
        if bounds[-1] < cut < groups:
            bounds.append(int(cut))
    bounds.append(groups)
    return bounds


def in_pieces(function, bounds):
    """[function(piece, lo, hi) for each piece lo:hi of bounds], in parallel threads."""
    pieces = [(i, lo, hi) for i, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:]))]
    if len(pieces) == 1:
        return [function(*pieces[0])]
    with ThreadPoolExecutor(max_workers=len(pieces), thread_name_prefix="ngramkit-estimate") as pool:
        return list(pool.map(lambda piece: function(*piece), pieces))
