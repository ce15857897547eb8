"""What a run takes from datasketch 2.0, computed the way datasketch computes it, without
importing it (its import imports scipy: 0.5 CPU-s and 35-40 MB in every process that signs).

The MinHash permutation schemes (storage dtype, empty signature, MurmurHash3 pre-mix, the
permutations of ``datasketch.MinHash(num_perm, seed, scheme=...)``) and the (bands, rows)
that ``datasketch.MinHashLSH`` chooses for a threshold. tests/test_minhash.py holds each equal
to datasketch's own; :mod:`transforms.minhash` builds signatures from them.
"""
import numpy as np

from transforms.stage_settings import SCHEMES  # (the dedup.scheme choices)

# datasketch 2.0's permutation schemes (``datasketch.minhash``): storage dtype, the value of an
# empty signature, the width an affine scheme wraps at, and MurmurHash3's finalizer constants
_SCHEME_DTYPES = {"affine32": np.uint32, "affine64": np.uint64, "legacy": np.uint64}
_SCHEME_EMPTY = {"affine32": (1 << 32) - 1, "affine64": (1 << 64) - 1, "legacy": (1 << 32) - 1}
_SCHEME_WIDTHS = {"affine32": 32, "affine64": 64}
_FMIX_CONSTANTS = {  # (shift1, multiplier1, shift2, multiplier2, shift3)
    32: (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16)),
    64: (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33), np.uint64(0xC4CEB9FE1A85EC53),
         np.uint64(33)),
}
_MERSENNE_PRIME = np.uint64((1 << 61) - 1)


def _fmix(hv, width):
    """MurmurHash3's finalizer on an unsigned array of ``width`` bits (datasketch's affine
    schemes pre-mix every shingle hash with it); returns a new array."""
    s1, m1, s2, m2, s3 = _FMIX_CONSTANTS[width]
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    return hv ^ (hv >> s3)


def scheme_permutations(num_perm, seed, scheme):
    """``(a, b)``: the permutation arrays of ``datasketch.MinHash(num_perm, seed, scheme=scheme)``
    (the same draws from ``numpy.random.RandomState(seed)``).

    >>> a, b = scheme_permutations(4, 1, "affine32")
    >>> a.dtype, len(b), bool((a % 2 == 1).all())
    (dtype('uint32'), 4, True)
    """
    if scheme not in SCHEMES:
        raise ValueError(f"MinHash scheme must be one of {SCHEMES}, got {scheme!r}")
    gen = np.random.RandomState(seed)
    if scheme == "legacy":
        a, b = np.array([(gen.randint(1, _MERSENNE_PRIME, dtype=np.uint64),
                          gen.randint(0, _MERSENNE_PRIME, dtype=np.uint64)) for _ in range(num_perm)],
                        dtype=np.uint64).T
        return a, b
    width, dtype = _SCHEME_WIDTHS[scheme], _SCHEME_DTYPES[scheme]
    a = gen.randint(0, 1 << (width - 1), num_perm, dtype=dtype) * dtype(2) + dtype(1)
    b = gen.randint(0, 1 << width, num_perm, dtype=dtype)
    return a, b


_PARAM_MARGIN = 1e-7  # quad's default tolerance is 1.49e-8 a probability: a closer call goes to datasketch
_PARAM_MAX_PERM = 512  # beyond, the node arrays grow as num_perm^2 log num_perm: datasketch's quad is quicker


def gauss_legendre(n):
    """Nodes (ascending) and weights of the ``n``-point Gauss-Legendre rule on [-1, 1], as
    ``numpy.polynomial.legendre.leggauss(n)`` gives them (to ~1e-14), by Newton's method on
    the Legendre recurrence: element-wise numpy only. (``leggauss`` asks LAPACK, whose
    OpenBLAS threads then spin ~60 ms of CPU on another core after every call.)

    >>> nodes, weights = gauss_legendre(2)
    >>> [round(float(v), 12) for v in (*nodes, *weights)]
    [-0.57735026919, 0.57735026919, 1.0, 1.0]
    """
    x = np.cos(np.pi * (np.arange(n, 0, -1) - 0.25) / (n + 0.5))  # ascending first guesses
    for _ in range(100):
        value, slope = _legendre(n, x)
        step = value / slope
        x = x - step
        if np.abs(step).max() < 1e-15:
            break
    slope = _legendre(n, x)[1]
    return x, 2 / ((1 - x * x) * slope * slope)


def _legendre(n, x):
    """``(P_n(x), P_n'(x))`` by the three-term recurrence (x an array inside (-1, 1))."""
    p_prev, p = np.ones_like(x), x.copy()
    for k in range(2, n + 1):
        p_prev, p = p, ((2 * k - 1) * x * p - (k - 1) * p_prev) / k
    return p, n * (x * p - p_prev) / (x * x - 1)


def lsh_param_errors(threshold, num_perm):
    """``(bands, rows, error)`` arrays over every (b, r) with b * r <= ``num_perm``, in
    datasketch's search order (b, then r, ascending): ``error`` is the mean of the false
    positive probability, the integral of 1 - (1 - s^r)^b over s in [0, threshold], and the
    false negative one, the integral of (1 - s^r)^b over [threshold, 1].

    Both integrands are polynomials of degree b * r <= num_perm, so one Gauss-Legendre rule
    of num_perm // 2 + 1 nodes gives them exactly (up to rounding); datasketch asks scipy's
    ``quad`` for the same integrals.
    """
    bands = np.repeat(np.arange(1, num_perm + 1), [num_perm // b for b in range(1, num_perm + 1)])
    rows = np.concatenate([np.arange(1, num_perm // b + 1) for b in range(1, num_perm + 1)])
    nodes, weights = gauss_legendre(num_perm // 2 + 1)
    b, r = bands[:, None].astype(float), rows[:, None].astype(float)

    def integral(lo, hi):  # of (1 - s^r)^b over [lo, hi], one value per (b, r)
        s = (hi - lo) / 2 * nodes + (hi + lo) / 2
        return ((1 - s ** r) ** b * weights).sum(axis=1) * (hi - lo) / 2

    false_positive = threshold - integral(0.0, threshold)
    false_negative = integral(threshold, 1.0)
    return bands, rows, 0.5 * false_positive + 0.5 * false_negative


def lsh_params(threshold, num_perm):
    """(bands, rows) that datasketch's MinHashLSH chooses for ``threshold`` and ``num_perm``
    (its ``_optimal_param``, equal false-positive / false-negative weights).

    The errors of :func:`lsh_param_errors` pick the choice; when the best two are within
    ``_PARAM_MARGIN`` of each other (quad's tolerance could order them either way) or
    ``num_perm`` > 512, datasketch's own search decides.

    >>> lsh_params(0.5, 128)
    (25, 5)
    """
    if num_perm <= _PARAM_MAX_PERM:
        bands, rows, error = lsh_param_errors(threshold, num_perm)
        order = np.argsort(error, kind="stable")
        if len(order) == 1 or error[order[1]] - error[order[0]] > _PARAM_MARGIN:
            return int(bands[order[0]]), int(rows[order[0]])
    from datasketch.lsh import _optimal_param
    return _optimal_param(threshold, num_perm, 0.5, 0.5)
