"""MinHash signatures: a chunk of texts signed by the kernel, the arithmetic in numpy.

Near-duplicate detection costs mostly in turning text into shingle hashes.
datasketch's `MinHash.update` loop hashes every shingle string with SHA-1 and
applies the permutations one shingle at a time; here (`kernel`, C, with
`reference_sign` its twin in Python and numpy)

1. each token is hashed once as it is found (FNV-1a-64, finalized: a stable
   64-bit hash, the same in every process, unlike Python's salted `hash`);
2. the hashes of word 5-grams are combined from the token hashes
   (`gram_hashes`; character 5-grams for unspaced scripts);
3. the permutations are applied to every shingle of a document in one loop.

The permutations are datasketch's own (its default "affine32" scheme: the
MurmurHash3 finalizer, then `a * h + b` in uint32, with `a` and `b` drawn from
the same seed), so a signature made here equals the one
`MinHash(num_perm, seed, hashfunc=...)` gives when fed the same 32-bit shingle
hashes, and `LeanMinHash` objects built from it work with every datasketch tool
(`MinHashLSH`, `jaccard`, serialisation).

The 64-bit shingle hashes are also the document's exact shingle set: two sets
compared with `exact_jaccard` give the true Jaccard similarity (up to 64-bit
hash collisions), which is how LSH candidates are verified.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from cleaner.dedup import kernel
from cleaner.dedup.kernel import CHARS, prepare
from cleaner.dedup.shingles import CHAR_SHINGLE, DEFAULT_WORD_SHINGLE

if TYPE_CHECKING:
    from datasketch import LeanMinHash

#: Permutations per signature. The standard error of an estimated Jaccard is
#: sqrt(J(1-J)/num_perm): about 0.035 at J=0.8 with 128, at 512 bytes per
#: signature. Within a batch, verification is exact anyway; against the
#: persistent index (whose shingle sets are gone) the estimate decides.
DEFAULT_NUM_PERM = 128
#: Seed of datasketch's permutation parameters.
DEFAULT_SEED = 1
#: Shingles permuted per numpy step: bounds the temporary matrix of a very long
#: document to CHUNK x num_perm x 4 bytes (2 MiB at 128 permutations).
CHUNK = 4096

_U64 = np.uint64
_MIX = _U64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio: spreads one token's bits
_MAX32 = np.uint32(0xFFFFFFFF)


@lru_cache(maxsize=16)
def permutations(num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED) -> np.ndarray:
    """datasketch's (a, b) permutation parameters, shape (2, num_perm), uint32.

    Drawn exactly as datasketch's MinHash draws them for its "affine32" scheme
    (a test checks they are equal), so importing datasketch, which costs a
    third of a second of start-up (it imports scipy), is left to those who
    use `lean_minhash`.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([a, b])


def _fmix32(h: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finalizer, as datasketch applies it before permuting."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _fmix64(h: np.ndarray) -> np.ndarray:
    """The MurmurHash3 64-bit finalizer: every input bit reaches every output bit."""
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


#: Documents with at least this many shingles are permuted on their own; below
#: it, numpy's per-call overhead outweighs the work and documents are batched.
BATCH_MAX_SHINGLES = 256


def token_hashes(tokens: list[str]) -> np.ndarray:
    """The kernel's hash of each already normalised token (`kernel.prepare`), as uint64."""
    return np.array([kernel.token_hash(t.encode("utf-8", "surrogatepass")) for t in tokens],
                    dtype=_U64)


def gram_hashes(hashes: np.ndarray, n: int) -> np.ndarray:
    """64-bit hashes of every run of n consecutive items, from the items' hashes.

    Order matters (each position is multiplied in before the next is added),
    so "a b c" and "c b a" differ. Fewer than n items make one shingle of all
    of them, so a short text still has a signature; none make none.
    """
    count = len(hashes)
    if count == 0:
        return np.empty(0, dtype=_U64)
    n = min(n, count)
    width = count - n + 1
    with np.errstate(over="ignore"):
        h = np.zeros(width, dtype=_U64)
        for k in range(n):
            h = (h ^ hashes[k : k + width]) * _MIX
        return _fmix64(h + _U64(n))


def shingle_set(text: str, n: int = DEFAULT_WORD_SHINGLE) -> np.ndarray:
    """The text's shingle set as sorted unique uint64 hashes (`kernel`).

    Word n-grams of the normalised tokens (`shingles.comparable_tokens`); for text
    mostly in an unspaced script (Chinese, Japanese, Thai...), character
    5-grams of the text with spaces and punctuation removed.
    """
    return sign_texts([text], n=n)[0][0]


def sign_texts(texts: Sequence[str], num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED,
               n: int = DEFAULT_WORD_SHINGLE) -> tuple[list[np.ndarray], np.ndarray]:
    """Shingle sets and signatures (one row each) of many texts, in one kernel call.

    Example:
        >>> sets, sigs = sign_texts(["The cat sat on the mat.", "the cat SAT on the mat"])
        >>> bool((sets[0] == sets[1]).all()), sigs.shape
        (True, (2, 128))
    """
    a, b = permutations(num_perm, seed)
    prepared = [prepare(text) for text in texts]
    if kernel.COMPILED:
        return kernel.sign_compiled(prepared, a, b, n)
    signed = [reference_sign(data, mode, n, a, b, seps) for data, mode, seps in prepared]
    sigs = np.array([s for _, s in signed], dtype=np.uint32).reshape(len(signed), num_perm)
    return [s for s, _ in signed], sigs


def sign_texts_flat(texts: Sequence[str], num_perm: int = DEFAULT_NUM_PERM,
                    seed: int = DEFAULT_SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`sign_texts` as one array of every text's shingles, each set's size, and the
    signatures: what a worker sends back for a chunk, without a set per text."""
    if kernel.COMPILED:
        a, b = permutations(num_perm, seed)
        return kernel.sign_flat([prepare(text) for text in texts], a, b, DEFAULT_WORD_SHINGLE)
    sets, sigs = sign_texts(texts, num_perm, seed)
    flat = np.concatenate(sets) if sets else np.empty(0, dtype=_U64)
    return flat, np.array([len(x) for x in sets], dtype=np.int64), sigs


def reference_sign(data: bytes, mode: int, n: int, a: np.ndarray, b: np.ndarray,
                   separators: bytes = b"") -> tuple[np.ndarray, np.ndarray]:
    """One prepared text's (`kernel.prepare`) shingle set and signature, in Python and
    numpy: the C kernel's twin (what runs where it is not built; what tests hold it to)."""
    if mode == CHARS:
        n = CHAR_SHINGLE
    hashes = np.array([kernel.token_hash(t) for t in kernel.tokens(data, mode, separators)],
                      dtype=_U64)
    shingles = np.unique(gram_hashes(hashes, n))
    return shingles, minhash_values_ab(shingles, a, b)


def to_hash32(shingles: np.ndarray) -> np.ndarray:
    """Fold 64-bit shingle hashes to the 32-bit values MinHash permutes."""
    return ((shingles >> _U64(32)) ^ (shingles & _U64(0xFFFFFFFF))).astype(np.uint32)


def minhash_values(
    shingles: np.ndarray, num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED
) -> np.ndarray:
    """The MinHash signature (uint32, num_perm values) of a 64-bit shingle set.

    An empty set gives datasketch's empty signature (all values 2^32 - 1).
    """
    a, b = permutations(num_perm, seed)
    return minhash_values_ab(shingles, a, b)


def minhash_values_ab(shingles: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`minhash_values` with the permutations' parameters given."""
    num_perm = len(a)
    out = np.full(num_perm, _MAX32, dtype=np.uint32)
    hv = _fmix32(to_hash32(shingles))
    if not len(hv):
        return out
    buffer = np.empty((min(CHUNK, len(hv)), num_perm), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for start in range(0, len(hv), CHUNK):
            part = hv[start : start + CHUNK, None]
            block = buffer[: len(part)]
            np.multiply(part, a, out=block)
            np.add(block, b, out=block)
            np.minimum(out, block.min(axis=0), out=out)
    return out


def minhash_batch(
    sets: list[np.ndarray], num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED
) -> np.ndarray:
    """Signatures of many shingle sets at once, shape (len(sets), num_perm), uint32.

    The shingles of a run of documents are permuted together in one matrix and
    reduced per document (`np.minimum.reduceat`), so short documents do not pay
    numpy's per-call overhead one by one. Row i equals `minhash_values(sets[i])`.
    """
    out = np.full((len(sets), num_perm), _MAX32, dtype=np.uint32)
    a, b = permutations(num_perm, seed)
    short = []
    for i, shingles in enumerate(sets):
        if len(shingles) >= BATCH_MAX_SHINGLES:
            out[i] = minhash_values(shingles, num_perm, seed)
        elif len(shingles):
            short.append(i)
    sets = [sets[i] for i in short]
    start = 0
    while start < len(sets):
        # documents up to CHUNK shingles in all (at least one document)
        stop, total = start, 0
        while stop < len(sets) and (stop == start or total + len(sets[stop]) <= CHUNK):
            total += len(sets[stop])
            stop += 1
        hv = _fmix32(to_hash32(np.concatenate(sets[start:stop])))
        offsets = np.cumsum([0] + [len(x) for x in sets[start : stop - 1]])
        with np.errstate(over="ignore"):
            block = hv[:, None] * a
            block += b
        out[short[start:stop]] = np.minimum.reduceat(block, offsets, axis=0)
        start = stop
    return out


#: A text's shingle set and MinHash signature (`sign`): what a worker makes where the
#: page is cleaned, so dedup need not shingle it again.
Signed = tuple[np.ndarray, np.ndarray]


def sign(text: str, num_perm: int = DEFAULT_NUM_PERM,
         seed: int = DEFAULT_SEED) -> Signed:
    """A text's shingle set and MinHash signature, as dedup needs them."""
    sets, sigs = sign_texts([text], num_perm, seed)
    return sets[0], sigs[0]


def lean_minhash(values: np.ndarray, seed: int = DEFAULT_SEED) -> LeanMinHash:
    """A datasketch `LeanMinHash` holding these signature values (datasketch is
    imported here, on first use: it costs a third of a second of start-up)."""
    import datasketch

    return datasketch.LeanMinHash(seed=seed, hashvalues=values, scheme="affine32")


def exact_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The Jaccard similarity of two sorted unique shingle-hash sets."""
    if not len(a) and not len(b):
        return 1.0
    common = kernel.common(a, b)
    return common / (len(a) + len(b) - common)


def agreements(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many positions two signatures share, or row by row two stacks of them.

    The batch's prefilter compares these counts with a floor in positions,
    many pairs per numpy step, without dividing each.
    """
    return np.count_nonzero(a == b, axis=-1)


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The share of equal positions of two signatures: MinHash's Jaccard estimate.

    What verifies a match against the index, whose shingle sets are gone.
    """
    return float(agreements(a, b)) / a.shape[-1]


__all__ = [
    "Signed",
    "CHUNK",
    "DEFAULT_NUM_PERM",
    "DEFAULT_SEED",
    "agreements",
    "estimated_jaccard",
    "exact_jaccard",
    "gram_hashes",
    "lean_minhash",
    "minhash_batch",
    "minhash_values",
    "minhash_values_ab",
    "permutations",
    "shingle_set",
    "sign",
    "sign_texts",
    "sign_texts_flat",
    "reference_sign",
    "to_hash32",
    "token_hashes",
]
