"""Where new centers would bring the most people within the rule's radius: maximal covering.

Choosing k sites that cover the most population is the maximal covering location problem
(Church & ReVelle 1974), NP-hard in general. Covered population is monotone and submodular, so
the greedy choice (each time the site with the largest gain) reaches at least 1 - 1/e ≈ 63.2 %
of the best possible gain (Nemhauser, Wolsey & Fisher 1978). The run also certifies an upper
bound on the optimum from its own gains (after any step, the optimum is at most what is covered
plus the k largest remaining gains). When the number of k-subsets is small, every subset is
tried and the answer is exact.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

GUARANTEE = 1.0 - 1.0 / math.e
EXACT_LIMIT = 5000  # at most this many k-subsets: try them all


@dataclass(frozen=True)
class Choice:
    sites: tuple[int, ...]  # candidate indexes, in the order chosen
    gains: tuple[int, ...]  # people each newly brings within the radius, in that order
    method: str  # "exact" | "greedy"
    optimum_at_most: int  # a proven upper bound on the best total gain


def choose_sites(
    site_of_pair: np.ndarray,
    row_of_pair: np.ndarray,
    people: np.ndarray,
    candidates: int,
    k: int,
    *,
    exact_limit: int = EXACT_LIMIT,
) -> Choice:
    """The k candidates that bring the most people within reach.

    (site_of_pair[i], row_of_pair[i]) says candidate site_of_pair[i] covers ZIP row_of_pair[i],
    counting only ZIPs not covered already; people[row] is the ZIP's population."""
    k = min(k, candidates)
    if k <= 0:
        return Choice((), (), "exact", 0)
    if math.comb(candidates, k) <= exact_limit:
        return _exact(site_of_pair, row_of_pair, people, candidates, k)
    return _greedy(site_of_pair, row_of_pair, people, candidates, k)


def _greedy(
    site_of_pair: np.ndarray, row_of_pair: np.ndarray, people: np.ndarray, candidates: int, k: int
) -> Choice:
    alive = np.ones(len(people), dtype=bool)
    weights = people.astype(float)
    order = np.argsort(site_of_pair, kind="stable")
    sorted_sites, sorted_rows = site_of_pair[order], row_of_pair[order]
    starts = np.searchsorted(sorted_sites, np.arange(candidates + 1))
    chosen: list[int] = []
    gains: list[int] = []
    covered = 0
    bound = math.inf
    for _ in range(k):
        gain = np.bincount(
            site_of_pair, weights=weights[row_of_pair] * alive[row_of_pair], minlength=candidates
        )
        gain[chosen] = -1.0
        top = np.sort(gain)[::-1][:k]
        bound = min(bound, covered + float(np.clip(top, 0, None).sum()))
        best = int(np.argmax(gain))  # the first of equals
        rows = sorted_rows[starts[best] : starts[best + 1]]
        newly = int(people[rows[alive[rows]]].sum())
        alive[rows] = False
        chosen.append(best)
        gains.append(newly)
        covered += newly
    return Choice(tuple(chosen), tuple(gains), "greedy", int(bound))


def _exact(
    site_of_pair: np.ndarray, row_of_pair: np.ndarray, people: np.ndarray, candidates: int, k: int
) -> Choice:
    cover = [np.unique(row_of_pair[site_of_pair == c]) for c in range(candidates)]
    best_total, best_set = -1, tuple(range(k))
    for subset in combinations(range(candidates), k):
        rows = np.unique(np.concatenate([cover[c] for c in subset]))
        total = int(people[rows].sum())
        if total > best_total:
            best_total, best_set = total, subset
    ordered, gains = _in_greedy_order(best_set, cover, people)
    return Choice(ordered, gains, "exact", best_total)


def _in_greedy_order(
    subset: Sequence[int], cover: Sequence[np.ndarray], people: np.ndarray
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The chosen sites ordered by gain, largest first, each gain counted once."""
    alive = np.ones(len(people), dtype=bool)
    left = list(subset)
    ordered: list[int] = []
    gains: list[int] = []
    while left:
        gain = [int(people[cover[c][alive[cover[c]]]].sum()) for c in left]
        pick = left[int(np.argmax(gain))]
        ordered.append(pick)
        gains.append(max(gain))
        alive[cover[pick]] = False
        left.remove(pick)
    return tuple(ordered), tuple(gains)
