"""MinHash signatures of shingle sets.

A signature must mean the same thing in every process and on every run, or a
batch split across workers would stop finding its duplicates. So the hash is
datasketch's SHA1-based default over UTF-8 bytes (not Python's salted `hash`),
and the permutations come from a fixed seed.
"""

from __future__ import annotations

from collections.abc import Iterable

from datasketch import LeanMinHash, MinHash

#: Permutations per signature. The standard error of an estimated Jaccard is
#: sqrt(J(1-J)/num_perm): about 0.035 at J=0.8 with 128, good enough to verify
#: an 0.8 threshold, at 512 bytes per stored signature.
DEFAULT_NUM_PERM = 128

#: Seed of the permutation functions. Any fixed value works; 1 is datasketch's
#: default. Signatures made with different seeds cannot be compared.
DEFAULT_SEED = 1


def signature(
    shingles: Iterable[str], num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED
) -> LeanMinHash:
    """Return the frozen MinHash signature of a shingle set.

    A LeanMinHash drops the permutation tables a MinHash carries for updates,
    so holding one per document in a batch costs only its hash values.

    Args:
        shingles: The shingles of one document (see `shingles.shingles`).
        num_perm: Number of permutations; both signatures of a comparison
            must use the same value.
        seed: Permutation seed; both signatures must use the same value.

    Example:
        >>> a = signature({"the cat sat on the", "cat sat on the mat"})
        >>> a.jaccard(signature({"cat sat on the mat", "the cat sat on the"}))
        1.0
    """
    minhash = MinHash(num_perm=num_perm, seed=seed)
    minhash.update_batch([shingle.encode("utf-8") for shingle in shingles])
    return LeanMinHash(minhash)


__all__ = ["DEFAULT_NUM_PERM", "DEFAULT_SEED", "signature"]
