/* Shingle sets and MinHash signatures of many texts in one call: dedup's hot loop in C.
 *
 * Why C: per document, Python spends its time in per-token work (the token
 * regex, a hash per token, numpy's per-call overhead); here one pass over a
 * text's UTF-8 bytes finds its tokens and hashes them, and the shingle
 * hashes, their sort and the min over the permutations follow without
 * leaving C. `cleaner/dedup/kernel.py` holds the same algorithm in Python
 * (the fallback when this module is not built, and the tests' reference):
 * both give the same bytes for every input.
 *
 * sign(texts, modes, separators, n, a, b) -> (sets, counts, signatures)
 *   texts: a list of bytes (UTF-8), modes: bytes, one per text (0: words,
 *   1: characters), separators: a list of bytes, one per text, each the sorted
 *   uint32 code points of the text's non-ASCII characters that end a token
 *   (in word mode), n: items per shingle, a and b: the permutations' uint32
 *   parameters (buffers of num_perm values each).
 *   sets: every text's sorted unique 64-bit shingle hashes, one after another;
 *   counts: int64 per text, how many of them are its; signatures: uint32,
 *   num_perm per text. The GIL is released while the texts are signed.
 *
 * Tokens: a run of ASCII letters, digits and '_' and of non-ASCII characters
 * other than the text's separators (the caller has already folded the text
 * and listed the characters that are neither word characters nor marks),
 * ASCII letters lowered. In character mode every UTF-8 character is
 * a token. A token's hash is FNV-1a over its bytes, then the 64-bit
 * MurmurHash3 finalizer.
 *
 * shared(a, b) -> int: how many values two sorted unique uint64 buffers share.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL
#define GRAM_MIX 0x9E3779B97F4A7C15ULL
/* Below this many items a range is sorted by insertion: fewer moves than recursing. */
#define INSERTION_MAX 24

static inline uint64_t fmix64(uint64_t h) {
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 33);
}

static inline uint32_t fmix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85EBCA6BU;
    h ^= h >> 13;
    h *= 0xC2B2AE35U;
    return h ^ (h >> 16);
}

static inline int is_token_byte(unsigned char c) {
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || c == '_';
}

static inline unsigned char lowered(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* The UTF-8 character at s[i]: how many bytes it takes, and its code point. */
static inline Py_ssize_t utf8_char(const unsigned char *s, Py_ssize_t i, Py_ssize_t len,
                                   uint32_t *cp) {
    unsigned char c = s[i];
    Py_ssize_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    uint32_t v = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    Py_ssize_t k = 1;
    for (; k < n && i + k < len && (s[i + k] & 0xC0) == 0x80; k++) v = (v << 6) | (s[i + k] & 0x3F);
    *cp = v;
    return k;
}

/* Whether a code point is in the sorted list of this text's separators. */
static inline int is_separator(uint32_t cp, const uint32_t *seps, Py_ssize_t nseps) {
    Py_ssize_t lo = 0, hi = nseps;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (seps[mid] < cp) lo = mid + 1;
        else hi = mid;
    }
    return lo < nseps && seps[lo] == cp;
}

/* Token hashes of one text into out (room for len values); returns how many. In word
 * mode a non-ASCII character is part of a token unless it is one of `seps` (the
 * text's non-ASCII characters that are neither word characters nor marks). */
static Py_ssize_t token_hashes(const unsigned char *s, Py_ssize_t len, int chars,
                               const uint32_t *seps, Py_ssize_t nseps, uint64_t *out) {
    Py_ssize_t count = 0, i = 0;
    while (i < len) {
        if (chars) {
            /* one UTF-8 character: a lead byte and its continuation bytes */
            uint64_t h = FNV_OFFSET;
            h = (h ^ lowered(s[i])) * FNV_PRIME;
            i++;
            while (i < len && (s[i] & 0xC0) == 0x80) {
                h = (h ^ s[i]) * FNV_PRIME;
                i++;
            }
            out[count++] = fmix64(h);
            continue;
        }
        uint64_t h = FNV_OFFSET;
        int open = 0;
        while (i < len) {
            unsigned char c = s[i];
            Py_ssize_t width = 1;
            if (c < 0x80) {
                if (!is_token_byte(c)) break;
            } else {
                uint32_t cp;
                width = utf8_char(s, i, len, &cp);
                if (nseps && is_separator(cp, seps, nseps)) break;
            }
            for (Py_ssize_t k = 0; k < width; k++) h = (h ^ lowered(s[i + k])) * FNV_PRIME;
            i += width;
            open = 1;
        }
        if (open) {
            out[count++] = fmix64(h);
        } else if (i < len) {  /* a separator: one character */
            if (s[i] < 0x80) {
                i++;
            } else {
                uint32_t cp;
                i += utf8_char(s, i, len, &cp);
            }
        }
    }
    return count;
}

/* Shingle hashes in place: item i becomes the hash of items i..i+n-1 (fewer than n
 * items make one shingle of all of them). Returns how many shingles. */
static Py_ssize_t gram_hashes(uint64_t *h, Py_ssize_t count, Py_ssize_t n) {
    if (count == 0) return 0;
    if (n > count) n = count;
    Py_ssize_t width = count - n + 1;
    for (Py_ssize_t i = 0; i < width; i++) {
        uint64_t g = 0;
        for (Py_ssize_t k = 0; k < n; k++) g = (g ^ h[i + k]) * GRAM_MIX;
        h[i] = fmix64(g + (uint64_t)n);
    }
    return width;
}

static void insertion_sort(uint64_t *v, Py_ssize_t n) {
    for (Py_ssize_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        Py_ssize_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void sift_down(uint64_t *v, Py_ssize_t root, Py_ssize_t n) {
    for (;;) {
        Py_ssize_t child = 2 * root + 1;
        if (child >= n) return;
        if (child + 1 < n && v[child + 1] > v[child]) child++;
        if (v[root] >= v[child]) return;
        uint64_t t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}

static void heap_sort(uint64_t *v, Py_ssize_t n) {
    for (Py_ssize_t i = n / 2 - 1; i >= 0; i--) sift_down(v, i, n);
    for (Py_ssize_t end = n - 1; end > 0; end--) {
        uint64_t t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift_down(v, 0, end);
    }
}

/* Introsort: quicksort with a median of three, heapsort past a depth limit (so no
 * input is quadratic), insertion sort for short ranges. */
static void intro_sort(uint64_t *v, Py_ssize_t n, int depth) {
    while (n > INSERTION_MAX) {
        if (depth-- == 0) {
            heap_sort(v, n);
            return;
        }
        uint64_t a = v[0], b = v[n / 2], c = v[n - 1];
        uint64_t pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        Py_ssize_t i = 0, j = n - 1;
        for (;;) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i >= j) break;
            uint64_t t = v[i];
            v[i] = v[j];
            v[j] = t;
            i++;
            j--;
        }
        /* [0, j] <= pivot <= [j + 1, n): recurse on the smaller side */
        Py_ssize_t left = j + 1;
        if (left <= 0 || left >= n) { /* cannot happen with a median pivot; never loop */
            heap_sort(v, n);
            return;
        }
        if (left < n - left) {
            intro_sort(v, left, depth);
            v += left;
            n -= left;
        } else {
            intro_sort(v + left, n - left, depth);
            n = left;
        }
    }
    insertion_sort(v, n);
}

static Py_ssize_t sort_unique(uint64_t *v, Py_ssize_t n) {
    if (n < 2) return n;
    int depth = 0;
    for (Py_ssize_t m = n; m > 1; m >>= 1) depth += 2;
    intro_sort(v, n, depth);
    Py_ssize_t out = 1;
    for (Py_ssize_t i = 1; i < n; i++)
        if (v[i] != v[out - 1]) v[out++] = v[i];
    return out;
}

/* The min over the permutations. `restrict` (nothing here overlaps) lets the compiler
 * run the inner loop over permutations in vector registers. */
__attribute__((target_clones("avx2", "default")))
static void minhash(const uint64_t *restrict set, Py_ssize_t n, const uint32_t *restrict a,
                    const uint32_t *restrict b, Py_ssize_t num_perm, uint32_t *restrict sig) {
    for (Py_ssize_t p = 0; p < num_perm; p++) sig[p] = 0xFFFFFFFFU;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t x = fmix32((uint32_t)(set[i] >> 32) ^ (uint32_t)set[i]);
        for (Py_ssize_t p = 0; p < num_perm; p++) {
            uint32_t v = a[p] * x + b[p];
            sig[p] = v < sig[p] ? v : sig[p];
        }
    }
}

typedef struct {
    uint64_t *data;
    Py_ssize_t size, room;
} Grow;

static int grow_to(Grow *g, Py_ssize_t need) {
    if (need <= g->room) return 0;
    Py_ssize_t room = g->room ? g->room : 4096;
    while (room < need) room *= 2;
    uint64_t *data = realloc(g->data, (size_t)room * sizeof(uint64_t));
    if (data == NULL) return -1;
    g->data = data;
    g->room = room;
    return 0;
}

static PyObject *sign(PyObject *self, PyObject *args) {
    PyObject *texts, *separators;
    Py_buffer modes, abuf, bbuf;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "O!y*O!ny*y*", &PyList_Type, &texts, &modes, &PyList_Type,
                          &separators, &n, &abuf, &bbuf))
        return NULL;
    PyObject *result = NULL, *sets = NULL, *counts = NULL, *sigs = NULL;
    Py_ssize_t docs = PyList_GET_SIZE(texts);
    Py_ssize_t num_perm = abuf.len / (Py_ssize_t)sizeof(uint32_t);
    PyObject **held = NULL, **held_seps = NULL;
    Grow out = {NULL, 0, 0}, work = {NULL, 0, 0};
    int failed = 0;
    if (modes.len != docs || PyList_GET_SIZE(separators) != docs || bbuf.len != abuf.len ||
        num_perm < 1 || n < 1) {
        PyErr_SetString(PyExc_ValueError, "sign: one mode and one separator list per text, "
                        "a and b of equal size, n >= 1");
        goto done;
    }
    held = PyMem_Calloc((size_t)docs + 1, sizeof(PyObject *));
    held_seps = PyMem_Calloc((size_t)docs + 1, sizeof(PyObject *));
    if (held == NULL || held_seps == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t d = 0; d < docs; d++) {
        PyObject *item = PyList_GET_ITEM(texts, d), *sep = PyList_GET_ITEM(separators, d);
        if (!PyBytes_Check(item) || !PyBytes_Check(sep) || PyBytes_GET_SIZE(sep) % 4) {
            PyErr_SetString(PyExc_TypeError, "sign: every text and separator list must be "
                            "bytes (separators: uint32 code points, sorted)");
            goto done;
        }
        Py_INCREF(item);
        held[d] = item;  /* kept alive while the GIL is released */
        Py_INCREF(sep);
        held_seps[d] = sep;
    }
    counts = PyBytes_FromStringAndSize(NULL, docs * (Py_ssize_t)sizeof(int64_t));
    sigs = PyBytes_FromStringAndSize(NULL, docs * num_perm * (Py_ssize_t)sizeof(uint32_t));
    if (counts == NULL || sigs == NULL) goto done;
    int64_t *count_out = (int64_t *)PyBytes_AS_STRING(counts);
    uint32_t *sig_out = (uint32_t *)PyBytes_AS_STRING(sigs);
    const unsigned char *mode = modes.buf;
    const uint32_t *a = abuf.buf, *b = bbuf.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t d = 0; d < docs && !failed; d++) {
        const unsigned char *s = (const unsigned char *)PyBytes_AS_STRING(held[d]);
        Py_ssize_t len = PyBytes_GET_SIZE(held[d]);
        if (grow_to(&work, len + 1) < 0) {
            failed = 1;
            break;
        }
        const uint32_t *seps = (const uint32_t *)PyBytes_AS_STRING(held_seps[d]);
        Py_ssize_t nseps = PyBytes_GET_SIZE(held_seps[d]) / 4;
        Py_ssize_t count = token_hashes(s, len, mode[d] == 1, seps, nseps, work.data);
        count = sort_unique(work.data, gram_hashes(work.data, count, n));
        if (grow_to(&out, out.size + count + 1) < 0) {  /* +1: never a NULL buffer */
            failed = 1;
            break;
        }
        memcpy(out.data + out.size, work.data, (size_t)count * sizeof(uint64_t));
        minhash(out.data + out.size, count, a, b, num_perm, sig_out + d * num_perm);
        out.size += count;
        count_out[d] = count;
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    sets = PyBytes_FromStringAndSize((const char *)out.data,
                                     out.size * (Py_ssize_t)sizeof(uint64_t));
    if (sets == NULL) goto done;
    result = PyTuple_Pack(3, sets, counts, sigs);
done:
    if (held != NULL) {
        for (Py_ssize_t d = 0; d < docs; d++) Py_XDECREF(held[d]);
        PyMem_Free(held);
    }
    if (held_seps != NULL) {
        for (Py_ssize_t d = 0; d < docs; d++) Py_XDECREF(held_seps[d]);
        PyMem_Free(held_seps);
    }
    free(out.data);
    free(work.data);
    Py_XDECREF(sets);
    Py_XDECREF(counts);
    Py_XDECREF(sigs);
    PyBuffer_Release(&modes);
    PyBuffer_Release(&abuf);
    PyBuffer_Release(&bbuf);
    return result;
}

/* shared(a, b) -> int: how many values two sorted unique uint64 buffers share (a
 * merge: what verifying a candidate pair costs, without numpy's sort of both). */
static PyObject *shared(PyObject *self, PyObject *args) {
    Py_buffer abuf, bbuf;
    if (!PyArg_ParseTuple(args, "y*y*", &abuf, &bbuf)) return NULL;
    const uint64_t *a = abuf.buf, *b = bbuf.buf;
    Py_ssize_t na = abuf.len / 8, nb = bbuf.len / 8, i = 0, j = 0, shared = 0;
    while (i < na && j < nb) {
        uint64_t x = a[i], y = b[j];
        shared += x == y;
        i += x <= y;
        j += y <= x;
    }
    PyBuffer_Release(&abuf);
    PyBuffer_Release(&bbuf);
    return PyLong_FromSsize_t(shared);
}

static PyMethodDef methods[] = {
    {"shared", shared, METH_VARARGS,
     "shared(a, b) -> int: values shared by two sorted unique uint64 buffers."},
    {"sign", sign, METH_VARARGS,
     "sign(texts, modes, separators, n, a, b) -> (sets, counts, signatures): see the source."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastsign",
    "Shingle sets and MinHash signatures of many texts in one call (cleaner.dedup.kernel).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__fastsign(void) { return PyModule_Create(&module); }
