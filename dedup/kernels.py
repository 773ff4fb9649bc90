"""Compiled loops (numba) for the products the story level takes by the million: the candidate
cosines (`pair_dots`), average linkage's sums (`dots_with_dense`, `add_sorted_rows`), each aligned
pair's sentence similarities (`pair_sentence_products`) and the phrases two documents share
(`sorted_common_count`, many pairs at once `pair_common_counts`); and for the per-pair or
per-block steps around them that numpy took many small calls for: the copy bound
`dedup.align.copy_ruled_out` reads (`copy_bound`) and the compaction of the kept gram counts
(`move_rows_forward`).

Each kernel sums exactly as the numpy or scipy code it replaces summed, so that no value changes
by a bit: one product after another in column order, as a scipy sparse product sums, or by
numpy's pairwise summation, as ``np.add.reduceat`` sums a segment (`_reduceat_sum`). Where the
numpy code spent its time in building gathered sparse rows and scipy's checks of them, a loop over
the matrices' own arrays does the same arithmetic and nothing else. Logarithms stay numpy's: the
callers pass tables of them.

numba compiles each kernel on its first call in a process and keeps the machine code in a cache
beside this file, or in the user's cache directory where this one is read-only (`NUMBA_CACHE_DIR`
chooses another), so that later runs load it. Where neither can be written, each process compiles
the kernels it calls again (some seconds), rather than failing.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def _compiled(function):
    """`function` compiled by numba without the GIL, its machine code cached where numba finds a
    writable place for it, else compiled in each process (numba refuses to cache without one)."""
    try:
        return njit(cache=True, nogil=True)(function)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return njit(nogil=True)(function)


# numpy's pairwise summation: blocks of this many values are summed with eight running sums.
_PAIRWISE_BLOCK = 128


@_compiled
def _pairwise_leaf(values, start, n):  # pragma: no cover - compiled
    """numpy's ``pairwise_sum`` of ``values[start:start + n]`` for n up to `_PAIRWISE_BLOCK`,
    summed in the values' own float type (n >= 1): one after another under 8 values, else with
    eight running sums and the rest added after."""
    if n < 8:
        total = values[start] - values[start]  # a zero of the values' type
        for i in range(n):
            total += values[start + i]
        return total
    r0 = values[start]
    r1 = values[start + 1]
    r2 = values[start + 2]
    r3 = values[start + 3]
    r4 = values[start + 4]
    r5 = values[start + 5]
    r6 = values[start + 6]
    r7 = values[start + 7]
    i = 8
    last = n - (n % 8)
    while i < last:
        r0 += values[start + i]
        r1 += values[start + i + 1]
        r2 += values[start + i + 2]
        r3 += values[start + i + 3]
        r4 += values[start + i + 4]
        r5 += values[start + i + 5]
        r6 += values[start + i + 6]
        r7 += values[start + i + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += values[start + i]
        i += 1
    return total


@_compiled
def _pairwise_block(values, start, n):  # pragma: no cover - compiled
    """numpy's ``pairwise_sum`` of ``values[start:start + n]`` (n >= 1): above `_PAIRWISE_BLOCK`
    values, the sum of the two halves' sums (the first half's length a multiple of 8), each summed
    the same way. numpy recurses; this walks the same tree with a stack of its own, since numba
    cannot load a recursive function back from its cache."""
    if n <= _PAIRWISE_BLOCK:
        return _pairwise_leaf(values, start, n)
    # Tasks (start, length, combine?) and the sums made so far; the tree is at most 64 levels deep.
    task_start = np.empty(128, dtype=np.int64)
    task_length = np.empty(128, dtype=np.int64)
    task_combine = np.empty(128, dtype=np.bool_)
    sums = np.empty(128, dtype=values.dtype)
    n_tasks, n_sums = 1, 0
    task_start[0], task_length[0], task_combine[0] = start, n, False
    while n_tasks:
        n_tasks -= 1
        first, length, combine = task_start[n_tasks], task_length[n_tasks], task_combine[n_tasks]
        if combine:
            n_sums -= 1
            sums[n_sums - 1] = sums[n_sums - 1] + sums[n_sums]
        elif length <= _PAIRWISE_BLOCK:
            sums[n_sums] = _pairwise_leaf(values, first, length)
            n_sums += 1
        else:
            half = length // 2
            half -= half % 8
            task_start[n_tasks], task_length[n_tasks], task_combine[n_tasks] = first, length, True
            task_start[n_tasks + 1], task_length[n_tasks + 1], task_combine[n_tasks + 1] = (
                first + half,
                length - half,
                False,
            )
            task_start[n_tasks + 2], task_length[n_tasks + 2], task_combine[n_tasks + 2] = first, half, False
            n_tasks += 3
    return sums[0]


@_compiled
def _reduceat_sum(values, n):  # pragma: no cover - compiled
    """``np.add.reduceat`` of one segment ``values[:n]`` (n >= 1): its first value, plus
    the pairwise sum of the others, as numpy's reduction loop adds them."""
    if n == 1:
        return values[0]
    return values[0] + _pairwise_block(values, 1, n - 1)


@_compiled
def pair_dots(indptr, indices, data, left, right, dense, in_order, out):  # pragma: no cover - compiled
    """``out[k] = row(left[k]) . row(right[k])`` of a CSR matrix (sorted columns; float32, or
    float64 summed alike in float64): the
    products of the columns both rows hold, in column order, summed one after another in float32
    (`in_order`, as a sparse product sums them) or as ``np.add.reduceat`` sums them (pairwise).
    The pairs come grouped by left row (each left row's pairs in one run), so that each left row
    is spread into `dense` (zeros, a row long; zeros again on return) once for all its pairs."""
    products = np.empty(indptr[-1] - indptr[0] + 1, dtype=data.dtype)
    k = 0
    n_pairs = len(left)
    while k < n_pairs:
        row = left[k]
        for e in range(indptr[row], indptr[row + 1]):
            dense[indices[e]] = data[e]
        while k < n_pairs and left[k] == row:
            other = right[k]
            n = 0
            for e in range(indptr[other], indptr[other + 1]):
                product = dense[indices[e]] * data[e]
                if product != 0:
                    products[n] = product
                    n += 1
            if n == 0:
                out[k] = 0.0
            elif in_order:
                total = products[0]
                for i in range(1, n):
                    total += products[i]
                out[k] = total
            else:
                out[k] = _reduceat_sum(products, n)
            k += 1
        for e in range(indptr[row], indptr[row + 1]):
            dense[indices[e]] = 0
    return out


@_compiled
def dots_with_dense(starts, lengths, indices, data, dense, out):  # pragma: no cover - compiled
    """``out[k]``: the dot product with `dense` of the sparse row held at ``indices[starts[k]:
    starts[k] + lengths[k]]`` (sorted columns) and its `data` (float32), summed one after another in
    column order in float32."""
    for k in range(len(starts)):
        total = np.float32(0.0)
        for e in range(starts[k], starts[k] + lengths[k]):
            total += data[e] * dense[indices[e]]
        out[k] = total
    return out


@_compiled
def add_sorted_rows(
    columns, weights, first_start, first_length, second_start, second_length, at
):  # pragma: no cover - compiled
    """The sum of two sparse rows held in `columns` (sorted within each row) and `weights`
    (float32), from ``first_start`` and ``second_start``, written into the same arrays from `at`
    (past both rows); returns its length. A column in both rows gets the float32 sum of the two
    weights, as ``np.add.reduceat`` over their concatenation sorted by column gives it."""
    i, i_stop = first_start, first_start + first_length
    j, j_stop = second_start, second_start + second_length
    n = at
    while i < i_stop and j < j_stop:
        if columns[i] < columns[j]:
            columns[n] = columns[i]
            weights[n] = weights[i]
            i += 1
        elif columns[j] < columns[i]:
            columns[n] = columns[j]
            weights[n] = weights[j]
            j += 1
        else:
            columns[n] = columns[i]
            weights[n] = weights[i] + weights[j]
            i += 1
            j += 1
        n += 1
    while i < i_stop:
        columns[n] = columns[i]
        weights[n] = weights[i]
        i += 1
        n += 1
    while j < j_stop:
        columns[n] = columns[j]
        weights[n] = weights[j]
        j += 1
        n += 1
    return n - at


@_compiled
def pair_sentence_products(
    term_starts,
    term_stops,
    term_indices,
    rows_a,
    rows_b,
    weigh_starts,
    weigh_stops,
    weigh_indices,
    weigh_counts,
    weigh_a,
    weigh_b,
    first_a,
    first_b,
    offsets,
    idf,
    idf_start,
    sublinear_tf,
    slot,
    out,
):  # pragma: no cover - compiled
    """Each pair's sentence-by-sentence TF-IDF products in the pair's own space, as
    `dedup.score.pair_space` computes them, into `out` (float32, pair p's n_a x n_b matrix row by
    row from ``offsets[p]``; entries it does not compute are left as they are).

    Pair p's sentences are positions ``first_a[p]:first_a[p + 1]`` of side A and
    ``first_b[p]:first_b[p + 1]`` of side B. The pair's terms and their sentence frequencies come
    from the rows `rows_a` / `rows_b` of the term table (row r's columns are
    ``term_indices[term_starts[r]:term_stops[r]]``, sorted: a CSR matrix's ``indptr[:-1]`` and
    ``indptr[1:]``, or rows kept anywhere in one array): a term's
    frequency is the number of the pair's sentences holding it, and its IDF
    ``idf[idf_start[p] + frequency - 1]`` (computed by numpy beforehand, as the pair's space
    computes it). The vectors multiplied are the rows `weigh_a` / `weigh_b` of the weighed table
    (`weigh_starts`, `weigh_stops`, `weigh_indices`, `weigh_counts` alike; -1 for a sentence left out): the same table
    for whole sentences, their prose for quotations, whose terms outside the pair are dropped.
    Each vector is weighed as `dedup.score.weigh` weighs it (``sublinear_tf[count - 1] * idf``,
    float32; norm from the float64 squares of the float32 weights, summed as ``np.add.reduceat``;
    divided in float64, rounded to float32), and each product summed in column order in float32,
    as a sparse product sums it. `slot` is -1 for every column and is left so.
    """
    # Scratch arrays made once for the call and grown when a pair needs more (`_room`), where
    # seventeen were made for each pair (with one pass a side: 6% less time, make_corpus 4k calls).
    terms = np.empty(4096, dtype=np.int64)
    frequency = np.empty(4096, dtype=np.int64)
    term_idf = np.empty(4096, dtype=np.float32)
    posting_count = np.empty(4097, dtype=np.int64)
    filled = np.empty(4096, dtype=np.int64)
    b_terms = np.empty(4096, dtype=np.int64)
    b_weights = np.empty(4096, dtype=np.float32)
    b_sentence = np.empty(4096, dtype=np.int64)
    posting_sentence = np.empty(4096, dtype=np.int64)
    posting_weight = np.empty(4096, dtype=np.float32)
    squares = np.empty(4097, dtype=np.float64)
    a_terms = np.empty(4096, dtype=np.int64)
    a_weights = np.empty(4096, dtype=np.float32)
    b_norms = np.empty(256, dtype=np.float64)
    sums = np.empty(256, dtype=np.float32)
    wanted_b = np.empty(256, dtype=np.bool_)
    n_pairs = len(offsets) - 1
    for p in range(n_pairs):
        a0, a1, b0, b1 = first_a[p], first_a[p + 1], first_b[p], first_b[p + 1]
        n_b = b1 - b0
        if not (_any_kept(weigh_a, a0, a1) and _any_kept(weigh_b, b0, b1)):
            continue  # no product of this pair is asked for (prose of no quotation)
        # The pair's terms, numbered as met, with their sentence frequencies.
        size = 0
        for side in range(2):
            start, stop = (a0, a1) if side == 0 else (b0, b1)
            for position in range(start, stop):
                row = rows_a[position] if side == 0 else rows_b[position]
                size += term_stops[row] - term_starts[row]
        terms = _room(terms, size)
        frequency = _room(frequency, size)
        n_terms = 0
        for side in range(2):
            start, stop = (a0, a1) if side == 0 else (b0, b1)
            for position in range(start, stop):
                row = rows_a[position] if side == 0 else rows_b[position]
                for e in range(term_starts[row], term_stops[row]):
                    column = term_indices[e]
                    local = slot[column]
                    if local < 0:
                        local = n_terms
                        slot[column] = local
                        terms[n_terms] = column
                        frequency[n_terms] = 0
                        n_terms += 1
                    frequency[local] += 1
        term_idf = _room(term_idf, n_terms)
        for t in range(n_terms):
            term_idf[t] = idf[idf_start[p] + frequency[t] - 1]
        # B's weighed vectors as postings: for each pair term, the (sentence, weight) entries.
        size = 0
        for position in range(b0, b1):
            row = weigh_b[position]
            if row >= 0:
                size += weigh_stops[row] - weigh_starts[row]
        b_terms, b_weights, b_sentence = _room(b_terms, size), _room(b_weights, size), _room(b_sentence, size)
        squares = _room(squares, size + 1)
        b_norms = _room(b_norms, n_b)
        posting_count = _room(posting_count, n_terms + 1)
        posting_count[: n_terms + 1] = 0
        b_n = 0
        for position in range(b0, b1):
            row = weigh_b[position]
            if row < 0:
                continue
            n = _weigh_row(
                row, weigh_starts, weigh_stops, weigh_indices, weigh_counts, slot, sublinear_tf, term_idf,
                b_weights, b_terms, squares, b_n,
            )  # fmt: skip
            for k in range(b_n, b_n + n):
                b_sentence[k] = position - b0
                posting_count[b_terms[k] + 1] += 1
            b_n += n
            if n:
                b_norms[position - b0] = _norm(squares, n)
        for t in range(n_terms):
            posting_count[t + 1] += posting_count[t]
        filled = _room(filled, n_terms)
        filled[:n_terms] = posting_count[:n_terms]
        posting_sentence, posting_weight = _room(posting_sentence, b_n), _room(posting_weight, b_n)
        for e in range(b_n):
            t, sentence = b_terms[e], b_sentence[e]
            posting_sentence[filled[t]] = sentence
            posting_weight[filled[t]] = np.float32(np.float64(b_weights[e]) / b_norms[sentence])
            filled[t] += 1
        # A's sentences one at a time: weighed, then multiplied with B's postings.
        wanted_b, sums = _room(wanted_b, n_b), _room(sums, n_b)
        for j in range(n_b):
            wanted_b[j] = weigh_b[b0 + j] >= 0
        for position in range(a0, a1):
            row = weigh_a[position]
            if row < 0:
                continue
            size = weigh_stops[row] - weigh_starts[row]
            a_terms, a_weights, squares = _room(a_terms, size), _room(a_weights, size), _room(squares, size + 1)
            a_n = _weigh_row(
                row, weigh_starts, weigh_stops, weigh_indices, weigh_counts, slot, sublinear_tf, term_idf,
                a_weights, a_terms, squares, 0,
            )  # fmt: skip
            if a_n == 0:
                continue  # no pair term in this sentence: its row is left as it is
            norm = _norm(squares, a_n)
            sums[:n_b] = 0
            for k in range(a_n):
                t = a_terms[k]
                weight = np.float32(np.float64(a_weights[k]) / norm)
                for q in range(posting_count[t], posting_count[t + 1]):
                    sums[posting_sentence[q]] += weight * posting_weight[q]
            base = offsets[p] + (position - a0) * n_b
            for j in range(n_b):
                if wanted_b[j]:
                    out[base + j] = sums[j]
        for t in range(n_terms):
            slot[terms[t]] = -1
    return out


@_compiled
def _weigh_row(
    row, starts, stops, indices, counts, slot, sublinear_tf, term_idf, weights, terms, squares, at
):  # pragma: no cover - compiled
    """Weigh the entries of sentence `row` of the weighed table whose column is a pair term (`slot`
    not -1; the others are dropped) as `dedup.score.weigh` weighs them, before the norm
    (``sublinear_tf[count - 1] * idf``, float32): the weights and pair-term numbers into `weights`
    and `terms` from `at` on, the float64 squares of the weights into `squares` from 0; returns how
    many entries were kept."""
    n = 0
    for e in range(starts[row], stops[row]):
        local = slot[indices[e]]
        if local < 0:
            continue
        weight = sublinear_tf[np.int64(counts[e]) - 1] * term_idf[local]
        weights[at + n] = weight
        terms[at + n] = local
        squares[n] = np.float64(weight * weight)
        n += 1
    return n


@_compiled
def _any_kept(rows, start, stop):  # pragma: no cover - compiled
    """Whether any of positions `start` to `stop` of `rows` is a sentence (not -1)."""
    for position in range(start, stop):
        if rows[position] >= 0:
            return True
    return False


@_compiled
def _room(scratch, size):  # pragma: no cover - compiled
    """`scratch`, or a new array of its type at least twice as long when it is shorter than `size`
    (its values are not kept: a scratch array is filled afresh for each pair)."""
    if len(scratch) >= size:
        return scratch
    return np.empty(max(size, 2 * len(scratch)), dtype=scratch.dtype)


@_compiled
def _norm(squares, n):  # pragma: no cover - compiled
    """The L2 norm of a sentence vector from the float64 squares of its float32 weights
    (``squares[:n]``, n >= 1), summed as ``np.add.reduceat`` sums them, as `dedup.score.weigh`
    normalises; 1.0 for a vector of zeros, which is left as it is."""
    norm = np.sqrt(_reduceat_sum(squares, n))
    return 1.0 if norm == 0.0 else norm


@_compiled
def move_rows_forward(columns, counts, starts, lengths):  # pragma: no cover - compiled
    """Move rows of entries (row k's at ``starts[k]:starts[k] + lengths[k]`` of `columns` and
    `counts`, rows in ascending order of start, not overlapping) to the front of the same arrays,
    one after another in that order, and return their new starts: each entry moves to the same
    place or an earlier one, so copying forward overwrites nothing still to be read."""
    moved = np.empty(len(starts), dtype=np.int64)
    to = 0
    for k in range(len(starts)):
        start, length = starts[k], lengths[k]
        for e in range(length):
            columns[to + e] = columns[start + e]
            counts[to + e] = counts[start + e]
        moved[k] = to
        to += length
    return moved


@_compiled
def sorted_common_count(first, second):  # pragma: no cover - compiled
    """How many values two ascending arrays of distinct values share: one merge of the two, where
    ``len(np.intersect1d(first, second, assume_unique=True))`` concatenates and sorts them (about
    14 us a call for a pair of news articles' phrases, against about 1 us)."""
    i = j = count = 0
    while i < len(first) and j < len(second):
        if first[i] < second[j]:
            i += 1
        elif second[j] < first[i]:
            j += 1
        else:
            count += 1
            i += 1
            j += 1
    return count


@_compiled
def pair_common_counts(values, starts, stops, left, right, out):  # pragma: no cover - compiled
    """``out[k]``: `sorted_common_count` of rows ``left[k]`` and ``right[k]``, row r being
    ``values[starts[r]:stops[r]]`` (ascending, distinct): the phrases many pairs of documents
    share, in one loop."""
    for k in range(len(left)):
        first, second = left[k], right[k]
        out[k] = sorted_common_count(values[starts[first] : stops[first]], values[starts[second] : stops[second]])
    return out


@_compiled
def copy_bound(
    similarity,
    words_a,
    chars_a,
    quoted_a,
    keys_a,
    words_b,
    chars_b,
    quoted_b,
    keys_b,
    anchor_bar,
    anchors_needed,
    chain_floor,
    plain_floor,
):  # pragma: no cover - compiled
    """The figures `dedup.align.copy_ruled_out` bounds a pair's alignment by, from its sentence
    `similarity` (n_a x n_b, float32 or float64; both sides at least one sentence) and each side's
    sentence figures (`dedup.align.SentenceFigures`: words, characters, quoted, word keys):
    (side A's words held, A's share bound, B's share bound, links bound).

    A sentence is held (may be taken over) when its best similarity reaches the floor or the other
    side has a sentence of the same words (equal keys, both with words). The floor is `chain_floor`
    when at least `anchors_needed` sentences of each side reach `anchor_bar` (an ordered chain can
    lower the bar), else `plain_floor`; the bars come in the similarities' own float type, as
    numpy compares an array with a Python float. A side's share bound is the largest share
    `dedup.align`'s coverage can give it: every held sentence's characters over its prose plus its
    held quoted characters (0 when that is 0), in float64; quoted sentences count as a pair taking
    quotations over counts them, added to both terms, which can only raise a share. Keys are
    compared every one with every other: a side has tens of sentences."""
    n_a, n_b = similarity.shape
    best_a = np.empty(n_a, dtype=similarity.dtype)
    best_b = similarity[0].copy()
    for i in range(n_a):
        row_best = similarity[i, 0]
        for j in range(n_b):
            value = similarity[i, j]
            if value > row_best:
                row_best = value
            if value > best_b[j]:
                best_b[j] = value
        best_a[i] = row_best
    anchors_a = 0
    for i in range(n_a):
        if best_a[i] >= anchor_bar:
            anchors_a += 1
    anchors_b = 0
    for j in range(n_b):
        if best_b[j] >= anchor_bar:
            anchors_b += 1
    floor = chain_floor if min(anchors_a, anchors_b) >= anchors_needed else plain_floor
    held_a = np.empty(n_a, dtype=np.bool_)
    held_b = np.empty(n_b, dtype=np.bool_)
    for j in range(n_b):
        held_b[j] = best_b[j] >= floor
    for i in range(n_a):
        held = best_a[i] >= floor
        if words_a[i] > 0:
            for j in range(n_b):
                if keys_a[i] == keys_b[j] and words_b[j] > 0:
                    held = True
                    held_b[j] = True
        held_a[i] = held
    words_held = 0
    links_a = 0
    for i in range(n_a):
        if held_a[i]:
            words_held += np.int64(words_a[i])
            links_a += 1
    links_b = 0
    for j in range(n_b):
        if held_b[j]:
            links_b += 1
    return (
        words_held,
        _share_bound(chars_a, quoted_a, held_a),
        _share_bound(chars_b, quoted_b, held_b),
        min(links_a, links_b),
    )


@_compiled
def _share_bound(chars, quoted, held):  # pragma: no cover - compiled
    """`copy_bound`'s share bound of one side (see there)."""
    prose = 0
    held_prose = 0
    held_quoted = 0
    for k in range(len(chars)):
        if quoted[k]:
            if held[k]:
                held_quoted += np.int64(chars[k])
        else:
            prose += np.int64(chars[k])
            if held[k]:
                held_prose += np.int64(chars[k])
    total = prose + held_quoted
    return (held_prose + held_quoted) / total if total else 0.0
