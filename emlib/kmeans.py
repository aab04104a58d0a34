"""Plain K-means: k-means++ seeding and Lloyd iterations.

Used on its own and to initialise :class:`emlib.mixture.GaussianMixture`. The algorithm follows
scikit-learn's ``KMeans(algorithm="lloyd")``: the tolerance is relative to the mean per-feature
variance of the data, iteration stops early when the labels no longer change, and empty clusters are
moved to the points farthest from their centres. From the same initial centres both usually give the
same centres; they can differ where a point is (to rounding) equidistant from two centres or where
an empty cluster is relocated, since the two break those ties differently.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any, NamedTuple

import numpy as np

from ._base_estimator import EstimatorMixin, TransformerOutputMixin
from ._validation import RandomStateLike, check_array, check_int, check_random_state, check_real
from .exceptions import convergence_warning

__all__ = ["KMeans", "kmeans_plusplus"]

# Budget (in float64 entries) for the temporary (rows x n_clusters x n_features) distance arrays.
_BLOCK_ENTRIES = 1 << 22


def _block_rows(n_clusters: int, n_features: int) -> int:
    return max(1, _BLOCK_ENTRIES // max(1, n_clusters * n_features))


def _sq_distances(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances (n, k), computed blockwise from differences (no cancellation)."""
    rows = _block_rows(centers.shape[0], X.shape[1])
    out = np.empty((X.shape[0], centers.shape[0]))
    for s in range(0, X.shape[0], rows):
        diff = X[s : s + rows, None, :] - centers[None, :, :]
        out[s : s + rows] = np.einsum("nkd,nkd->nk", diff, diff)
    return out


# ----------------------------------------------------------------------------- fast internals
# k-means++ and the Lloyd loop work on a prepared copy of the data (see _prepare): centred, as
# scikit-learn does, so that the expansion |x - c|^2 = |x|^2 - 2 x.c + |c|^2 loses no precision far
# from the origin; transposed to (n_features + 1, n_samples) with a last row of ones, so that a block
# of samples is a column slice and one matrix product [-2C | |c|^2] @ [x; 1] gives all distances (up
# to |x|^2, the same for every centre) and another, E @ [x; 1]^T, the per-cluster sums and counts.

# Entries (n_clusters x rows) of one block's distance array: with its temporaries it stays in L2 cache.
_LLOYD_BLOCK_ENTRIES = 1 << 16
# The branch-free argmin (see _assign) is exact while its code, a sum of distinct powers of two
# 2**(K-1-k), is an integer below 2**53; above this many clusters np.argmin is used.
_MAX_CODE_CLUSTERS = 52
# Up to this many features the prepared copy is transposed (contiguous rows of n_samples); above,
# transposing costs more than it saves and the copy keeps X's row-major layout.
_TRANSPOSE_MAX_FEATURES = 16
# Centred data are rescaled (by a power of two: exact) only outside this range of max |x - mean|,
# where |x|^2 would overflow or lose digits to underflow.
_SAFE_SPAN = (2.0**-100, 2.0**100)


class _Prepared(NamedTuple):
    """Data prepared for k-means: ``X = XA[:-1].T * 2**exp + mean`` and ``XA[-1] = 1``."""

    X: np.ndarray  # the data as given (not copied)
    XA: np.ndarray  # (n_features + 1, n_samples), C- or F-contiguous
    mean: np.ndarray  # (n_features,)
    exp: int

    def to_internal(self, points: np.ndarray) -> np.ndarray:
        # A centre given far outside tiny data (rescaled up) can pass float64's range: it is then as far
        # as 2**500 (its |c|^2 stays finite), which no sample picks over a centre within the data.
        with np.errstate(over="ignore"):
            return np.clip(np.ldexp(points - self.mean, -self.exp), -(2.0**500), 2.0**500)

    def to_original(self, points: np.ndarray) -> np.ndarray:
        return np.ldexp(points, self.exp) + self.mean

    def mean_variance(self) -> float:
        """``mean(var(X, axis=0))`` (scikit-learn's scale for ``tol``), in internal units."""
        Xc = self.XA[:-1]
        n = Xc.shape[1]
        m = Xc.sum(axis=1) / n  # ~0: the data are centred, so the subtraction below cancels nothing
        return float(np.mean(np.einsum("dn,dn->d", Xc, Xc) / n - m * m))


def _prepare(X: np.ndarray, transpose: bool | None = None) -> _Prepared:
    """Centre and if need be rescale a copy of X, with a row of ones appended (see :class:`_Prepared`)."""
    n, d = X.shape
    if transpose is None:
        transpose = d <= _TRANSPOSE_MAX_FEATURES
    if transpose:
        XA = np.empty((d + 1, n))
        XA[:d] = X.T
        # Row means of the copy: X.mean(axis=0) reduces along rows of length d, slowly for small d.
        mean = XA[:d].mean(axis=1)
    else:
        # (n, d + 1) row-major seen through its transpose: the code is the same for both layouts.
        XA = np.empty((n, d + 1)).T
        mean = X.mean(axis=0)
    Xc = XA[:d]
    if transpose:
        Xc -= mean[:, None]
    else:
        np.subtract(X.T, mean[:, None], out=Xc)  # copy and centre in one pass
    # A bound on max |x - mean| from reductions of the contiguous data (fast); the exact span is
    # needed only when the bound falls outside the safe range.
    lo, hi = float(X.min()), float(X.max())
    span = max(hi - float(mean.min()), float(mean.max()) - lo)
    if not _SAFE_SPAN[0] <= span <= _SAFE_SPAN[1]:
        span = max(float(Xc.max()), -float(Xc.min()))
    exp = 0
    if span > 0.0 and not _SAFE_SPAN[0] <= span <= _SAFE_SPAN[1]:
        exp = int(np.frexp(span)[1])
        np.ldexp(Xc, -exp, out=Xc)  # max |x| in [0.5, 1); every rounding is as without the scaling
    XA[d] = 1.0
    return _Prepared(X, XA, mean, exp)


# The float32 screen (see _Screen) is used while max |x - mean| of the prepared data lies in this
# range: far inside float32's, so that |x|^2 and |c|^2 neither overflow nor lose digits to underflow.
_SCREEN_SPAN = (2.0**-30, 2.0**30)


class _Screen(NamedTuple):
    """A float32 copy of prepared data for a first assignment that is exact where it is unambiguous.

    The float32 distances ``D32[k]`` differ from the float64 ones ``D[k] = |c_k|^2 - 2 c_k . x`` by
    at most ``(d + 5) u (|x|^2 + 2 |c_k|^2)``, ``u = 2**-24`` (the rounding of x, of the centres and of
    the d + 1 products and sums; the float64 rounding is far below). ``T = 4 (d + 6) u (|x|^2 + 2
    max_k |c_k|^2)`` exceeds twice that plus the rounding of ``min D32 + T``: a sample whose only
    centre with ``D32[k] <= min D32 + T`` is k has ``D[k] < D[j]`` for every other centre j.
    """

    XA32: np.ndarray  # XA in float32, the same layout
    margin: np.ndarray  # (n_samples,) float32: the |x|^2 part of T (and a floor for subnormal roundings)
    coef: float  # T per unit of |x|^2 + 2 max |c|^2


def _make_screen(XA: np.ndarray) -> _Screen | None:
    """The float32 screen of prepared data (``_Prepared.XA``), or None outside ``_SCREEN_SPAN``."""
    Xc = XA[:-1]
    xsq = np.einsum("dn,dn->n", Xc, Xc)
    if not _SCREEN_SPAN[0] ** 2 <= float(xsq.max()) <= _SCREEN_SPAN[1] ** 2:
        return None
    coef = 4.0 * (Xc.shape[0] + 6) * 2.0**-24
    # float32 rounding lowers the margin by a few units of 2**-24: far within T's factor 2 of slack
    margin = xsq.astype(np.float32)
    margin *= np.float32(coef)
    margin += np.float32(2.0**-100)  # covers the absolute rounding of subnormal float32 products
    return _Screen(XA.astype(np.float32, order="K"), margin, coef)


def _assign(
    XA: np.ndarray,
    centers: np.ndarray,
    labels: np.ndarray,
    stats: np.ndarray | None = None,
    old: np.ndarray | None = None,
    XW: np.ndarray | None = None,
    screen: _Screen | None = None,
) -> int:
    """Write the nearest centre of every sample into ``labels``; optionally update cluster statistics.

    Per block of samples, one matrix product gives ``D[k] = |c_k|^2 - 2 c_k . x`` (scikit-learn's
    expansion). The argmin over the clusters is branch-free and vectorised along the samples: with
    the block minimum ``m`` and the indicator ``E[k] = (D[k] == m)``, the code
    ``sum_k E[k] 2**(K-1-k)`` has binary exponent ``K - k*`` with ``k*`` the first minimal cluster
    (ties go to the lowest index, as in np.argmin and scikit-learn). ``np.argmin(D, axis=0)`` does the
    same with a data-dependent branch per entry and is about 3 times slower.

    With ``screen`` the distances are first computed in float32 (half the memory traffic of the
    product and of the passes over ``D``) and the indicator marks every centre within the float32
    rounding bound ``T`` of the minimum (:class:`_Screen`). A sample with one marked centre has
    that centre as its float64 nearest one too, strictly; the others (near-ties, a tiny fraction of
    continuous data) are decided in float64 by :func:`_settle`. The labels, and so the statistics,
    are bitwise those without ``screen``; it costs a float32 copy of ``XA``.

    Parameters
    ----------
    XA : numpy.ndarray of shape (n_features + 1, n_samples)
        Prepared data (``_Prepared.XA``).
    centers : numpy.ndarray of shape (n_clusters, n_features)
        Centres in internal units.
    labels : numpy.ndarray of shape (n_samples,), intp
        Output.
    stats : numpy.ndarray of shape (n_clusters, n_features + 1), optional
        Per-cluster sums of the samples and counts (last column), updated in place: if ``old`` is
        None, the sums over every sample are added; otherwise only the samples whose label changed
        from ``old`` are moved between clusters (late Lloyd iterations move few samples).
    old : numpy.ndarray of shape (n_samples,), optional
        The previous labels.
    XW : numpy.ndarray of shape (n_features + 1, n_samples), optional
        ``XA`` with every sample multiplied by its weight, for weighted statistics (sums of
        ``w_i x_i`` and of ``w_i``); the unweighted statistics of ``XA`` if omitted.
    screen : _Screen, optional
        The float32 copy of ``XA`` and its rounding bounds (see :func:`_make_screen`); used for up
        to ``_MAX_CODE_CLUSTERS`` clusters.

    Returns
    -------
    int
        Number of samples whose label differs from ``old`` (0 if ``old`` is None).
    """
    K, d = centers.shape
    n = XA.shape[1]
    W = np.empty((K, d + 1))
    np.multiply(centers, -2.0, out=W[:, :d])  # exact: rounds as -2 (C @ X) does
    W[:, d] = np.einsum("kd,kd->k", centers, centers)
    use_code = K <= _MAX_CODE_CLUSTERS
    # The indicator and its code in float32 where the code is exact there (below 2**24): half the
    # memory traffic of the block's second pass.
    ctype = np.float32 if K <= 24 else np.float64
    powers = np.ldexp(1.0, np.arange(K - 1, -1, -1)).astype(ctype)
    clusters = np.arange(K)[:, None]
    rows = max(256, _LLOYD_BLOCK_ENTRIES // K)
    # Per-block buffers (out=): no temporaries of the block's size are allocated in the loop.
    Ebuf = np.empty((K, rows), dtype=ctype)
    cbuf = np.empty(rows, dtype=ctype)
    mant = np.empty(rows, dtype=ctype)
    ebuf = np.empty(rows, dtype=np.intc)
    want_stats = stats is not None and old is None
    # centres far outside the data's span (a user's init) would overflow float32: no screen then
    X32 = (screen.XA32 if screen is not None and use_code and float(W[:, d].max()) <= _SCREEN_SPAN[1] ** 2
           else None)
    if X32 is not None:
        W32 = W.astype(np.float32)
        Dbuf = np.empty((K, rows), dtype=np.float32)
        mbuf = np.empty(rows, dtype=np.float32)
        t_c = np.float32(screen.coef * 2.0 * float(W[:, d].max()))  # the |c|^2 part of the bound T
    else:
        Dbuf = np.empty((K, rows))
        mbuf = np.empty(rows)
    pending: list[np.ndarray] = []
    for s in range(0, n, rows):
        xb = XA[:, s : s + rows]
        b = xb.shape[1]
        lab = labels[s : s + b]
        if not use_code:
            np.argmin(np.matmul(W, xb, out=Dbuf[:, :b]), axis=0, out=lab)
        else:
            if X32 is None:
                D = np.matmul(W, xb, out=Dbuf[:, :b])
                m = np.minimum.reduce(D, axis=0, out=mbuf[:b])
                E = np.equal(D, m, out=Ebuf[:, :b])
            else:
                D = np.matmul(W32, X32[:, s : s + b], out=Dbuf[:, :b])
                m = np.minimum.reduce(D, axis=0, out=mbuf[:b])
                m += screen.margin[s : s + b]
                m += t_c
                E = np.less_equal(D, m, out=Ebuf[:, :b])
            np.frexp(np.matmul(powers, E, out=cbuf[:b]), out=(mant[:b], ebuf[:b]))
            np.subtract(K, ebuf[:b], out=lab)
            if X32 is not None:
                near = np.flatnonzero(mant[:b] != 0.5)  # several centres within T: decide in float64
                if near.size and want_stats:
                    _settle(XA, W, labels, s + near, screen, t_c, rows)
                    E[:, near] = clusters == lab[near]
                elif near.size:
                    pending.append(s + near)  # settled after the loop, in fewer calls
        if not want_stats:
            continue
        if not use_code:
            E = clusters == lab
        elif X32 is None:  # (with the screen, the columns of the recomputed samples are fixed above)
            tie = np.flatnonzero(mant[:b] != 0.5)  # a code that is not a power of two: a tie
            if tie.size:
                E[:, tie] = clusters == lab[tie]
        stats += E.astype(float) @ (xb if XW is None else XW[:, s : s + rows]).T
    if pending:
        _settle(XA, W, labels, np.concatenate(pending), screen, t_c, rows)
    if stats is None or old is None:
        return 0
    # Move the samples whose label changed, in chunks of at most `rows` (one pass to find them).
    moved = np.flatnonzero(labels != old)
    for s in range(0, moved.size, rows):
        ch = moved[s : s + rows]
        S = np.zeros((K, ch.size))  # +1 into the new cluster, -1 out of the old one
        i = np.arange(ch.size)
        S[labels[ch], i] = 1.0
        S[old[ch], i] = -1.0
        stats += S @ (XA if XW is None else XW)[:, ch].T
    return int(moved.size)


def _settle(
    XA: np.ndarray, W: np.ndarray, labels: np.ndarray, idx: np.ndarray, screen: _Screen, t_c: np.float32, rows: int
) -> None:
    """Float64 labels of the samples ``idx`` that the float32 screen of :func:`_assign` left open.

    The screen's test again, in float64 (``T`` scaled by ``2**-29``: ``u = 2**-53``): a sample with one
    centre within ``T`` of the minimum has that nearest centre under any rounding of the product.
    The others, (near-)ties in float64 (binary data are full of exact ones), take the labels of the
    product of their whole block of ``rows`` samples, exactly as without the screen: its rounding
    breaks them as there (and as scikit-learn's, which rounds alike).
    """
    for s in range(0, idx.size, rows):
        ch = idx[s : s + rows]
        D = W @ XA[:, ch]
        labels[ch] = np.argmin(D, axis=0)
        T64 = np.ldexp(screen.margin[ch] + np.float64(t_c), -29)
        tied = ch[np.count_nonzero(D <= D.min(axis=0) + T64, axis=0) > 1]
        for b0 in np.unique(tied // rows) * rows:
            sel = tied[(tied >= b0) & (tied < b0 + rows)]
            labels[sel] = np.argmin(W @ XA[:, b0 : b0 + rows], axis=0)[sel - b0]


def _inertia(X: np.ndarray, centers: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None) -> float:
    """``sum_i w_i |x_i - c_{labels_i}|^2`` (``w_i = 1`` without weights) from the differences, by blocks of rows."""
    rows = max(256, (1 << 16) // X.shape[1])
    total = 0.0
    for s in range(0, X.shape[0], rows):
        diff = X[s : s + rows] - centers[labels[s : s + rows]]
        if weights is None:
            total += float(np.einsum("ij,ij->", diff, diff))
        else:
            total += float(np.einsum("ij,ij->i", diff, diff) @ weights[s : s + rows])
    return total


def _own_sq_distances(XA: np.ndarray, centers: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``|x_i - c_{labels_i}|^2`` for every sample, from the differences (exact, as for the inertia)."""
    out = np.zeros(XA.shape[1])
    for j in range(centers.shape[1]):
        diff = XA[j] - centers[labels, j]
        diff *= diff
        out += diff
    return out


def _lloyd_prepared(
    data: _Prepared,
    centers: np.ndarray,
    max_iter: int,
    tol: float,
    weights: np.ndarray | None = None,
    verbose: bool = False,
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Lloyd iterations in internal units (see :meth:`KMeans._lloyd`): centres, labels, n_iter, converged.

    ``weights`` (sample weights) make the centres weighted means; ``verbose`` prints scikit-learn's
    per-iteration lines (the inertia, in original units, of the labels against the centres they were
    computed from).
    """
    XA = data.XA
    XW = None if weights is None else XA * weights  # weighted sums and weights in one product
    n = XA.shape[1]
    K, d = centers.shape
    labels = np.empty(n, dtype=np.intp)
    labels_old = np.empty(n, dtype=np.intp)
    screen = _make_screen(XA)
    stats = np.zeros((K, d + 1))
    fresh, since_fresh = True, 0
    converged = strict = relocated = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        if fresh:
            stats[:] = 0.0
            _assign(XA, centers, labels, stats, XW=XW, screen=screen)
            since_fresh, moved = 0, -1
        else:
            moved = _assign(XA, centers, labels, stats, labels_old, XW=XW, screen=screen)
            since_fresh += moved
        # Updating the sums by moved samples only adds a rounding error per move; after as many
        # moves as there are samples they are summed afresh, so they stay as accurate as a plain sum.
        fresh = since_fresh > n
        if verbose:
            d2 = _own_sq_distances(XA, centers, labels)
            inertia = float(np.ldexp(d2.sum() if weights is None else d2 @ weights, 2 * data.exp))
            print(f"Iteration {n_iter - 1}, inertia {inertia}.")
        sums, counts = stats[:, :d].copy(), stats[:, d].copy()
        empty = np.flatnonzero(counts == 0)
        relocated = empty.size > 0
        if relocated:
            # Move each empty cluster onto one of the points farthest from their centres (as
            # scikit-learn picks them); the maintained sums no longer match the labels: resum.
            fresh = True
            dist = _own_sq_distances(XA, centers, labels)
            far = np.argpartition(dist, -empty.size)[: -empty.size - 1 : -1]
            for e, i in zip(empty, far):
                old = labels[i]
                w = 1.0 if weights is None else float(weights[i])
                if counts[old] > w:
                    counts[old] -= w
                    sums[old] -= w * XA[:d, i]  # exact for w = 1
                counts[e] = w
                sums[e] = w * XA[:d, i]
        with np.errstate(divide="ignore"):
            inv = 1.0 / counts  # multiply by the reciprocal, as scikit-learn does
        new_centers = np.where(counts[:, None] > 0, sums * inv[:, None], centers)
        shift = float(np.sum((new_centers - centers) ** 2))
        centers = new_centers
        if moved == 0 or (moved < 0 and n_iter > 1 and np.array_equal(labels, labels_old)):
            converged = True
            # No label moved and the sums were not recomputed: the centres are bitwise those the
            # labels were computed from. (Resummed sums can differ from the updated ones by rounding.)
            strict = moved == 0
            if verbose:
                print(f"Converged at iteration {n_iter - 1}: strict convergence.")
            break
        if shift <= tol:
            converged = True
            if verbose:
                print(
                    f"Converged at iteration {n_iter - 1}: center shift {np.ldexp(shift, 2 * data.exp)} "
                    f"within tolerance {np.ldexp(tol, 2 * data.exp)}."
                )
            break
        labels_old, labels = labels, labels_old
    if not strict or relocated:
        _assign(XA, centers, labels, screen=screen)  # the labels of the final centres
    return centers, labels, n_iter, converged


def _seeding_view(X: np.ndarray) -> np.ndarray:
    """``X.T`` where the seeding's expansion |x - c|^2 = |x|^2 - 2 x.c + |c|^2 is accurate on X as it
    is, else a centred (and if need be rescaled) copy (see :func:`_prepare`).

    The expansion's rounding error is about ``eps * d * max |x|^2``. X is used as it is when the range
    ``[lo, hi]`` of its entries contains the origin or lies within ``hi - lo`` of it, so that the
    error is at most ``eps * d * (hi - lo)^2``: the accuracy of scikit-learn's ``kmeans_plusplus``,
    which never centres. Data far from the origin are centred, at the price of a copy (at d = 64 the
    copy costs about a third of the seeding itself). ``KMeans.fit`` always seeds on its centred copy.
    """
    lo, hi = float(X.min()), float(X.max())
    if _SAFE_SPAN[0] <= hi - lo <= _SAFE_SPAN[1] and max(abs(lo), abs(hi)) <= hi - lo:
        return X.T
    return _prepare(X).XA[:-1]


def _kmeans_plusplus_indices(
    Xt: np.ndarray,
    n_clusters: int,
    rng: np.random.Generator,
    n_local_trials: int,
    sample_weight: np.ndarray | None = None,
) -> np.ndarray:
    """Row indices chosen by greedy k-means++ (see :func:`kmeans_plusplus`).

    ``Xt`` is a (n_features, n_samples) view of the data: the centred rows of a ``_Prepared.XA``, or
    ``X.T`` itself where centring gains no precision (see :func:`_seeding_view`). With
    ``sample_weight`` every draw and potential is weighted as in scikit-learn (a sample of weight
    ``w`` counts as ``w`` copies); without, the random stream is the unweighted one.
    """
    w = sample_weight
    p = None if w is None else w / w.sum()
    d, n = Xt.shape
    x_sq = np.einsum("dn,dn->n", Xt, Xt)

    def sq_dist(idx: np.ndarray) -> np.ndarray:
        # (len(idx), n) squared distances |x|^2 - 2 c.x + |c|^2 from the samples idx to all samples by
        # one matrix product, exactly 0 from a sample to itself. Rounding can leave entries slightly
        # below 0; only the row that becomes `closest` is clipped (its cumulative sum must not
        # decrease), which saves a pass over the (len(idx), n) array.
        D = (-2.0 * Xt[:, idx].T) @ Xt
        D += x_sq
        D += x_sq[idx][:, None]
        D[np.arange(idx.size), idx] = 0.0
        return D

    indices = np.empty(n_clusters, dtype=np.intp)
    indices[0] = rng.integers(n) if w is None else rng.choice(n, p=p)
    closest = np.maximum(sq_dist(indices[:1])[0], 0.0)
    for c in range(1, n_clusters):
        cumulative = np.cumsum(closest if w is None else closest * w)
        pot = float(cumulative[-1])
        if pot <= 0.0:
            # Every point coincides with a chosen centre: any further choice is as good as another.
            cand = rng.integers(n, size=n_local_trials) if w is None else rng.choice(n, size=n_local_trials, p=p)
        else:
            cand = np.searchsorted(cumulative, rng.uniform(size=n_local_trials) * pot)
            np.clip(cand, None, n - 1, out=cand)
        D = sq_dist(cand)
        np.minimum(D, closest, out=D)
        best = int(np.argmin(D.sum(axis=1) if w is None else D @ w))
        indices[c] = cand[best]
        closest = np.maximum(D[best], 0.0)
    return indices


def kmeans_plusplus(
    X: Any,
    n_clusters: int,
    *,
    random_state: RandomStateLike = None,
    n_local_trials: int | None = None,
    sample_weight: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-means++ seeding (Arthur & Vassilvitskii, 2007).

    The first centre is a uniformly drawn sample; each further centre is the best (lowest resulting
    potential) of ``n_local_trials`` candidates drawn with probability proportional to the squared
    distance to the nearest centre chosen so far.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Data; must be finite.
    n_clusters : int
        Number of centres, ``1 <= n_clusters <= n_samples``.
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState, optional
        Source of randomness.
    n_local_trials : int, optional
        Candidates per step (>= 1); default ``2 + int(log(n_clusters))`` as in scikit-learn.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights (positive sum): a sample of weight ``w`` is drawn and counted as ``w``
        copies of it would be (scikit-learn's weighting). Unweighted if omitted.

    Returns
    -------
    centers : numpy.ndarray of shape (n_clusters, n_features)
    indices : numpy.ndarray of shape (n_clusters,)
        Row indices of X that were chosen as centres.
    """
    X = check_array(X, "X", ndim=2)
    n_samples = X.shape[0]
    n_clusters = check_int(n_clusters, "n_clusters", minimum=1)
    if n_clusters > n_samples:
        raise ValueError(f"n_clusters must be <= n_samples={n_samples}, got {n_clusters}")
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(n_clusters))
    n_local_trials = check_int(n_local_trials, "n_local_trials", minimum=1)
    rng = check_random_state(random_state)
    sw = _check_sample_weight(sample_weight, n_samples)
    indices = _kmeans_plusplus_indices(_seeding_view(X), n_clusters, rng, n_local_trials, sw)
    return X[indices].copy(), indices


def _check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray | None:
    """None (unweighted) or float64 weights of length ``n_samples``: non-negative, finite, positive sum."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, (numbers.Number, np.generic)):  # a scalar weighs every sample alike
        sample_weight = np.full(n_samples, check_real(sample_weight, "sample_weight"))
    w = check_array(sample_weight, "sample_weight", ndim=1, shape=(n_samples,))
    if np.any(w < 0):
        raise ValueError(f"sample_weight must be non-negative, found {w.min():.3g}")
    if not np.any(w > 0):
        raise ValueError("sample_weight must have a positive sum, got all zeros")
    return w


class KMeans(TransformerOutputMixin, EstimatorMixin):
    """K-means clustering by Lloyd's algorithm.

    A scikit-learn compatible clusterer and transformer: ``get_params``/``set_params`` (so
    ``sklearn.base.clone``, ``GridSearchCV`` and ``Pipeline`` work), ``fit`` (with
    ``sample_weight``), ``predict``, ``fit_predict``, ``transform``, ``fit_transform``, ``score``,
    ``get_feature_names_out`` and ``set_output``; ``feature_names_in_`` as in scikit-learn.
    scikit-learn is never imported.

    Parameters
    ----------
    n_clusters : int, default 8
        Number of clusters.
    init : {"k-means++", "random"} or array_like of shape (n_clusters, n_features), default "k-means++"
        Seeding: greedy k-means++, ``n_clusters`` distinct random samples, or explicit centres
        (then a single run is made; ``n_init > 1`` gives a ``RuntimeWarning``, as in scikit-learn).
    n_init : int or "auto", default 1
        Number of seedings; the run with the lowest inertia is kept. ``"auto"`` is scikit-learn's
        rule: 10 for ``init="random"``, else 1.
    max_iter : int, default 300
        Maximum number of Lloyd iterations per run.
    tol : float, default 1e-4
        Stop when the squared shift of all centres is <= ``tol * mean(var(X, axis=0))``
        (scikit-learn's convention), or earlier when the labels stop changing.
    verbose : int, default 0
        Print scikit-learn's progress lines ("Initialization complete", the inertia at each
        iteration, the reason for stopping).
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        Source of randomness for the seeding. An int gives the same result on every call; a
        ``Generator`` or ``RandomState`` is advanced by each call.
    algorithm : {"lloyd"}, default "lloyd"
        Lloyd's algorithm, the only one (scikit-learn's "elkan" is refused with a ValueError).

    Attributes
    ----------
    cluster_centers_ : numpy.ndarray of shape (n_clusters, n_features)
    labels_ : numpy.ndarray of shape (n_samples,)
        Index of the nearest final centre for each training sample.
    inertia_ : float
        Sum of (weighted) squared distances of the training samples to their nearest centre.
    n_iter_ : int
        Lloyd iterations run in the kept run.
    converged_ : bool
        Whether the kept run stopped before ``max_iter``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : numpy.ndarray of shape (n_features_in_,)
        Column names of ``fit``'s data frame (only if all are strings), as in scikit-learn.

    Warns
    -----
    ConvergenceWarning
        When the fit ends with fewer distinct clusters than ``n_clusters`` (the data hold fewer
        distinct points than clusters, so some centres coincide), as scikit-learn does.
    RuntimeWarning
        When ``init`` is an array and ``n_init > 1`` (only one run is made).

    Notes
    -----
    ``X`` may be of any real dtype; it is converted to float64 and ``cluster_centers_``,
    :meth:`transform` and :meth:`score` are float64 (scikit-learn keeps float32 for float32 input).
    With ``sample_weight`` the centres are weighted means, the inertia is weighted and the seeding
    draws in proportion to the weights, as in scikit-learn; the tolerance stays relative to the
    unweighted variance of X (scikit-learn's too).
    """

    _estimator_type = "clusterer"
    _sklearn_transformer = True

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | Any = "k-means++",
        n_init: int | str = 1,
        max_iter: int = 300,
        tol: float = 1e-4,
        verbose: int = 0,
        random_state: RandomStateLike = None,
        algorithm: str = "lloyd",
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose
        self.random_state = random_state
        self.algorithm = algorithm

    def _validate(self, X: Any) -> tuple[np.ndarray, np.ndarray | None, int]:
        self._check_feature_names(X, reset=True)
        X = check_array(X, "X", ndim=2)
        k = check_int(self.n_clusters, "n_clusters", minimum=1)
        if k > X.shape[0]:
            raise ValueError(f"n_clusters must be <= n_samples={X.shape[0]}, got {k}")
        if isinstance(self.n_init, str):
            if self.n_init != "auto":  # an int or "auto": another string is the wrong kind of value
                raise TypeError(f"n_init must be a positive int or 'auto', got {self.n_init!r}")
            n_init = 10 if isinstance(self.init, str) and self.init == "random" else 1
        else:
            n_init = check_int(self.n_init, "n_init", minimum=1)
        check_int(self.max_iter, "max_iter", minimum=1)
        check_real(self.tol, "tol", low=0.0)
        check_int(int(self.verbose) if isinstance(self.verbose, (bool, np.bool_)) else self.verbose, "verbose", minimum=0)
        if not isinstance(self.algorithm, str) or self.algorithm != "lloyd":
            raise ValueError(f"algorithm must be 'lloyd' (the only one implemented), got {self.algorithm!r}")
        check_random_state(self.random_state)
        init_centers = None
        if isinstance(self.init, str):
            if self.init not in ("k-means++", "random"):
                raise ValueError(f"init must be 'k-means++', 'random' or an array, got {self.init!r}")
        else:
            init_centers = check_array(self.init, "init", shape=(k, X.shape[1]))
            if n_init != 1:
                warnings.warn(  # scikit-learn's wording
                    "Explicit initial center position passed: performing only one init in KMeans "
                    f"instead of n_init={n_init}.",
                    RuntimeWarning,
                    stacklevel=3,
                )
                n_init = 1
        return X, init_centers, n_init

    def _lloyd(
        self, data: _Prepared, centers: np.ndarray, tol: float, sw: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, float, int, bool]:
        """One run of Lloyd's algorithm from ``centers`` (original units), as scikit-learn's "lloyd".

        Each iteration assigns every sample to its nearest centre (blockwise matrix products, see
        :func:`_assign`) and moves each centre to the (weighted) mean of its samples; an empty
        cluster is moved onto a sample far from its centre. It stops when the labels do not change
        (then they belong to the final centres) or the squared centre shift is ``<= tol``; otherwise
        the labels are recomputed for the final centres. The inertia is that of the returned
        centres and labels.
        """
        c, labels, n_iter, converged = _lloyd_prepared(
            data,
            data.to_internal(centers),
            self.max_iter,
            float(np.ldexp(tol, -2 * data.exp)),
            weights=sw,
            verbose=bool(self.verbose),
        )
        c = data.to_original(c)
        return c, labels, _inertia(data.X, c, labels, sw), n_iter, converged

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> "KMeans":
        """Cluster X.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : ignored
        sample_weight : array_like of shape (n_samples,), optional
            Non-negative weights with a positive sum (a scalar weighs all samples alike); the
            centres become weighted means and the inertia a weighted sum. Unweighted if omitted.

        Returns
        -------
        self
        """
        X, init_centers, n_init = self._validate(X)
        sw = _check_sample_weight(sample_weight, X.shape[0])
        rng = check_random_state(self.random_state)
        data = _prepare(X)  # one centred, transposed copy serves the seedings and every run
        tol = float(np.ldexp(data.mean_variance(), 2 * data.exp)) * self.tol
        best = None
        for _ in range(n_init):
            if init_centers is not None:
                centers = init_centers.copy()
            elif self.init == "k-means++":
                n_local_trials = 2 + int(np.log(self.n_clusters))
                centers = X[_kmeans_plusplus_indices(data.XA[:-1], self.n_clusters, rng, n_local_trials, sw)]
            elif sw is None:
                centers = X[rng.choice(X.shape[0], size=self.n_clusters, replace=False)].copy()
            else:
                centers = X[rng.choice(X.shape[0], size=self.n_clusters, replace=False, p=sw / sw.sum())].copy()
            if self.verbose:
                print("Initialization complete")
            run = self._lloyd(data, centers, tol, sw)
            if best is None or run[2] < best[2]:
                best = run
        self.cluster_centers_, self.labels_, self.inertia_, self.n_iter_, self.converged_ = best
        self._check_n_features(X, reset=True)
        n_distinct = int(np.count_nonzero(np.bincount(self.labels_, minlength=self.n_clusters)))
        if n_distinct < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({n_distinct}) found smaller than n_clusters "
                f"({self.n_clusters}). Possibly due to duplicate points in X.",
                convergence_warning(),
                stacklevel=2,
            )
        return self

    @property
    def _n_features_out(self) -> int:
        """Number of transform outputs (scikit-learn's name; absent before fit)."""
        return self.cluster_centers_.shape[0]

    def _check_X(self, X: Any) -> np.ndarray:
        self._check_fitted("cluster_centers_")
        self._check_feature_names(X, reset=False)
        X = check_array(X, "X", ndim=2)
        self._check_n_features(X, reset=False)
        return X

    def transform(self, X: Any) -> Any:
        """Euclidean distances from each sample to each centre (cluster-distance space).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_clusters)
            A data frame with columns ``kmeans0, kmeans1, ...`` after ``set_output(transform="pandas")``.
        """
        return self._wrap_output(np.sqrt(_sq_distances(self._check_X(X), self.cluster_centers_)), X)

    def fit_transform(self, X: Any, y: Any = None, sample_weight: Any = None) -> Any:
        """Fit, then return :meth:`transform` of the same data.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : ignored
        sample_weight : array_like of shape (n_samples,), optional
            As in :meth:`fit`.

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_clusters)
            Or a data frame, as :meth:`transform`.
        """
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def predict(self, X: Any) -> np.ndarray:
        """Index of the nearest centre for each sample."""
        return np.argmin(_sq_distances(self._check_X(X), self.cluster_centers_), axis=1)

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        """Fit (with ``sample_weight`` as in :meth:`fit`) and return ``labels_``."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Minus the (weighted) inertia of X with respect to the fitted centres (higher is better).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : ignored
        sample_weight : array_like of shape (n_samples,), optional
            Weights of the squared distances; all ones if omitted.

        Returns
        -------
        float
            ``-sum_i w_i min_k |x_i - c_k|^2``, scikit-learn's ``KMeans.score``.
        """
        X = self._check_X(X)
        sw = _check_sample_weight(sample_weight, X.shape[0])
        dmin = np.min(_sq_distances(X, self.cluster_centers_), axis=1)
        return -float(np.sum(dmin) if sw is None else dmin @ sw)
