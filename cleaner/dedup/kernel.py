"""Shingle sets and MinHash signatures of many texts at once: the compiled kernel and its twin.

Signing is dedup's cost: per document, Python's per-token work (the token
regex, a hash per token, numpy's per-call overhead) outweighs the arithmetic
many times. `_fastsign` (C, built by pip with the package: `_fastsign.c`)
does a whole chunk of texts in one call: one pass over each text's UTF-8
bytes finds and hashes its tokens, then the shingle hashes, their sort and
the min over the permutations, with the GIL released.

`signatures.reference_sign` is the same algorithm in Python and numpy. It is what runs
when the extension was not built (a machine without a C compiler: pip then
installs cleaner without it), and what the tests hold the C code to: the two
give the same bytes for every text.

What both compute (`SIGNATURE_VERSION` 2):

1. the text, as `prepare` hands it over: ASCII text as it is (lowering and
   splitting it is the kernel's job, the fast path of most of the web); other
   text folded as `shingles.comparable_tokens` folds it (NFKC, casefold) with
   the list of its characters that end a token (neither word characters nor
   combining marks), so the kernel splits it as that function's pattern
   would; text with characters of an unspaced script (Chinese, Japanese,
   Thai...) as `comparable_tokens` gives it, joined by spaces, or, when that
   script is most of it, without, each character then a token;
2. tokens: runs of ASCII letters, digits, '_' and non-ASCII characters other
   than the separators, ASCII letters lowered; a token's hash is FNV-1a-64 of
   its UTF-8 bytes, then the MurmurHash3 64-bit finalizer (stable across
   processes and machines);
3. shingles: `signatures.gram_hashes` over the token hashes (word 5-grams,
   character 5-grams), sorted and unique: the exact shingle set;
4. the signature: datasketch's affine32 permutations of each shingle hash
   folded to 32 bits (`signatures.minhash_values`).

Version 1 (before this module) hashed tokens with xxh3: the same shingle
sets up to the hash function, but other numbers, so an index of version 1
cannot be matched against and is refused (`store.IndexStore`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from cleaner.dedup.shingles import CHAR_SHINGLE, comparable_tokens
from cleaner.lang.scripts import UNSPACED_RUN, is_unspaced

try:
    import cleaner.dedup._fastsign as _fastsign
except ImportError:  # not built (no compiler where it was installed): the reference runs
    _fastsign = None

#: Which algorithm the shingle hashes and signatures come from; an index records it.
SIGNATURE_VERSION = 2
#: Whether the C kernel is in use (False: `signatures.reference_sign`, same results, slower).
COMPILED = _fastsign is not None

#: How a prepared text is read: tokens are word runs, or every character is one.
WORDS, CHARS = 0, 1
#: A text as the kernel reads it: its UTF-8 bytes, WORDS or CHARS, and its
#: separators (see `prepare`).
Prepared = tuple[bytes, int, bytes]
#: The first code point that is not ASCII.
_FIRST_WIDE = 0x80

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_M64 = (1 << 64) - 1
_TOKEN = re.compile(rb"[0-9A-Za-z_\x80-\xff]+")
_UTF8_CHAR = re.compile(rb"[\x00-\x7f\xc0-\xff][\x80-\xbf]*")


def prepare(text: str) -> Prepared:
    """The bytes the kernel reads for a text, how (`WORDS` or `CHARS`), and the text's
    separators: its non-ASCII characters that end a token (sorted uint32 code points).

    ASCII text goes as it is. Other text is folded (NFKC, casefold) and goes
    whole, with the list of its characters that are neither word characters
    nor combining marks, so the kernel splits it where `comparable_tokens`'
    pattern would, without a regex pass here. Text with characters of an
    unspaced script (Chinese, Japanese, Thai...) takes `comparable_tokens`
    itself, since whether it is shingled by character depends on their share.

    Example:
        >>> prepare("Hello, World")
        (b'Hello, World', 0, b'')
        >>> data, mode, seps = prepare("Straße — ＡＢＣ")
        >>> data.decode(), mode, np.frombuffer(seps, dtype=np.uint32).tolist()
        ('strasse — abc', 0, [8212])
    """
    if text.isascii():  # NFKC changes no ASCII text, casefold is lowering: the kernel's
        return text.encode("ascii"), WORDS, b""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    wide = [ch for ch in set(folded) if ord(ch) >= _FIRST_WIDE]
    if any(UNSPACED_RUN.match(ch) for ch in wide):
        tokens = comparable_tokens(text)
        if is_unspaced(tokens):
            return "".join(tokens).encode("utf-8", "surrogatepass"), CHARS, b""
        return " ".join(tokens).encode("utf-8", "surrogatepass"), WORDS, b""
    separators = sorted(ord(ch) for ch in wide
                        if not (ch.isalnum() or unicodedata.category(ch)[0] == "M"))
    return (folded.encode("utf-8", "surrogatepass"), WORDS,
            np.array(separators, dtype=np.uint32).tobytes())


def _fmix64(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _M64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _M64
    return h ^ (h >> 33)


def _token_hash(token: bytes) -> int:
    """FNV-1a-64 of the token's bytes (ASCII letters lowered), finalized."""
    h = _FNV_OFFSET
    for byte in token.lower():  # bytes.lower lowers ASCII letters only, as the kernel
        h = ((h ^ byte) * _FNV_PRIME) & _M64
    return _fmix64(h)


def _tokens(data: bytes, mode: int, separators: bytes = b"") -> list[bytes]:
    """The kernel's tokens of prepared bytes."""
    if mode == CHARS:
        return _UTF8_CHAR.findall(data)
    if separators:
        text = data.decode("utf-8", "surrogatepass")
        table = dict.fromkeys(np.frombuffer(separators, dtype=np.uint32).tolist(), " ")
        data = text.translate(table).encode("utf-8", "surrogatepass")
    return _TOKEN.findall(data)


def token_hash(token: bytes) -> int:
    """FNV-1a-64 of a token's bytes (ASCII letters lowered), finalized: the kernel's
    token hash, in Python."""
    return _token_hash(token)


def tokens(data: bytes, mode: int, separators: bytes = b"") -> list[bytes]:
    """The kernel's tokens of prepared bytes, in Python."""
    return _tokens(data, mode, separators)


def common(a: np.ndarray, b: np.ndarray) -> int:
    """How many values two sorted unique uint64 arrays share (a merge in C; numpy's
    `intersect1d` where the kernel is not built)."""
    if _fastsign is not None:
        return _fastsign.shared(np.ascontiguousarray(a, dtype=np.uint64),
                                np.ascontiguousarray(b, dtype=np.uint64))
    return len(np.intersect1d(a, b, assume_unique=True))


def sign_compiled(prepared: Sequence[Prepared], a: np.ndarray, b: np.ndarray,
                  n: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Shingle sets (sorted unique uint64) and signatures (uint32, one row per text) of
    prepared texts, by the C kernel (`COMPILED` must be true).

    `n` is the word shingle's length; character shingles are always
    `CHAR_SHINGLE` long, as in `signatures.reference_sign`.
    """
    if n != CHAR_SHINGLE and any(mode == CHARS for _, mode, _ in prepared):
        # character shingles are always CHAR_SHINGLE long (as `reference_sign` makes
        # them): those texts are signed apart, and every result put back in its place
        chars = [i for i, (_, mode, _) in enumerate(prepared) if mode == CHARS]
        words = [i for i, (_, mode, _) in enumerate(prepared) if mode != CHARS]
        sets: list[np.ndarray] = [np.empty(0, dtype=np.uint64)] * len(prepared)
        sigs = np.empty((len(prepared), len(a)), dtype=np.uint32)
        for group, size in ((chars, CHAR_SHINGLE), (words, n)):
            part_sets, part_sigs = sign_compiled([prepared[i] for i in group], a, b, size)
            for i, shingles in zip(group, part_sets, strict=True):
                sets[i] = shingles
            sigs[group] = part_sigs
        return sets, sigs
    values, sizes, sigs = sign_flat(prepared, a, b, n)
    ends = np.cumsum(sizes)
    # each set a copy of its own, not a view of the chunk's buffer: a set kept in memory
    # must not hold the whole chunk's alive (the set store counts what it holds)
    sets = [values[e - c : e].copy() for c, e in zip(sizes.tolist(), ends.tolist(),
                                                      strict=True)]
    return sets, sigs


def sign_flat(prepared: Sequence[Prepared], a: np.ndarray, b: np.ndarray,
              n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The kernel's own output: every text's shingle set one after another (uint64),
    each set's size (int64) and the signatures (uint32, one row per text). What a
    worker sends back whole; every text's shingles must be `n` long (no `CHARS` text
    unless `n` is `CHAR_SHINGLE`)."""
    a = np.ascontiguousarray(a, dtype=np.uint32)
    b = np.ascontiguousarray(b, dtype=np.uint32)
    raw, counts, sigs = _fastsign.sign([data for data, _, _ in prepared],
                                       bytes(mode for _, mode, _ in prepared),
                                       [seps for _, _, seps in prepared], n, a, b)
    return (np.frombuffer(raw, dtype=np.uint64), np.frombuffer(counts, dtype=np.int64),
            np.frombuffer(sigs, dtype=np.uint32).reshape(len(prepared), len(a)))


__all__ = ["CHARS", "COMPILED", "SIGNATURE_VERSION", "WORDS", "Prepared", "common", "prepare",
           "sign_compiled", "sign_flat", "token_hash", "tokens"]
