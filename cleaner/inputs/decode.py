"""Turn raw page bytes into text (`sniff.sniff_kind` then tells HTML from text dumps).

Scraped dumps arrive with every encoding mistake the web can make, so decoding
follows the order a browser would use (BOM, transport header, in-page
declaration) before falling back to detection, and it never fails on merely
imperfect bytes: a page with a few bad bytes is still a page. It does fail,
with a sentence fit for errors.jsonl, on input that is not text at all.

Only the encodings browsers know are ever used (`cleaner.inputs.encodings`): a label
outside the WHATWG list (UTF-7, EBCDIC, "base64") is ignored as a browser
ignores it, so a page cannot hide markup in an encoding that no browser shows.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from cleaner.errors import CleanerError
from cleaner.inputs.encodings import (
    UNORDERED_UTF16_LABELS,
    WEB_ENCODINGS,
    codec_for_label,
    label_key,
    web_codec,
)
from cleaner.inputs.fallback import (
    FALLBACK_CODEC,
    alphabet_score,
    page_sample,
    visible_bytes,
    western_default,
)
from cleaner.lang.scripts import KANA, char_class

#: How many leading bytes the binary checks look at. 8 KB holds the markup head
#: and the start of the body of a typical page, enough for a stable share.
SAMPLE_BYTES = 8 * 1024

#: Where in-page charset declarations are searched. The HTML standard asks
#: browsers to prescan 1024 bytes; real pages put long scripts before the meta
#: tag often enough that 4 KB finds far more of them at no real cost.
META_SCAN_BYTES = 4 * 1024

#: NUL bytes above this share of the sample mean binary. Text has none; UTF-16
#: ASCII text has ~50%, and is recognised before this check applies.
MAX_NUL_SHARE = 0.10

#: Control characters (other than tab, newline, return, form feed) above this
#: share of the decoded sample mean binary. Random bytes give ~11%; real text
#: with a stray escape code stays well under 1%.
MAX_CONTROL_SHARE = 0.05

#: UTF-16 without a BOM: one byte parity must be NUL at least this often (ASCII
#: and Latin letters give ~100%) while the other parity stays below the second
#: value (it only holds NUL for U+0000 or characters like U+0100..U+01FF).
UTF16_NUL_PARITY_SHARE = 0.40
UTF16_OTHER_PARITY_MAX = 0.05

#: Bytes that fail UTF-8 are still decoded as UTF-8 (with U+FFFD) when valid
#: multi-byte characters outnumber them this many times: a UTF-8 page with a few
#: broken bytes, not a legacy encoding. Legacy text forms valid UTF-8 sequences
#: by chance at most ~0.4 times per bad byte (EUC-JP 0.38, Shift_JIS 0.33, GBK
#: 0.30, EUC-KR 0.21, Big5 0.09; single-byte code pages ~0), so 3 leaves a wide
#: margin, where 10 let one stray byte turn a page with a few accents into mojibake.
MOSTLY_UTF8_RATIO = 3
#: The same when the page or its HTTP header says UTF-8: browsers then decode
#: UTF-8 whatever the bytes; valid sequences need only match the bad bytes.
DECLARED_UTF8_RATIO = 1

#: BOM-less UTF-16 of non-Latin text has no NUL parity. When NULs are many (or
#: a UTF-16 label says so), each byte order is tried: the right one gives text
#: in the blocks real text uses (this share of its characters at least); the
#: wrong one scatters characters over rare blocks, and binary data gives about half.
UTF16_COMMON_SHARE = 0.9
#: (first, last) code points of the blocks real text is written in.
COMMON_BLOCKS: tuple[tuple[int, int], ...] = (
    (0x09, 0x0A), (0x0D, 0x0D), (0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x52F),
    (0x590, 0x6FF), (0x900, 0xDFF), (0xE00, 0xE7F), (0x2010, 0x205E), (0x20AC, 0x20AC),
    (0x3000, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xFF00, 0xFFEF),
)  # fmt: skip

#: Detection ties: candidates whose chaos is within this of the best one's are
#: told apart by the guessed language's letters (see `fallback.alphabet_score`).
CHAOS_TIE = 0.01
#: Japanese in a Japanese encoding: a strict decode where kana make up at least
#: this share of the non-ASCII characters (Japanese prose: 40-60%; other text
#: decoded as Shift_JIS or EUC-JP gives half-width katakana and rare kanji).
KANA_SHARE = 0.2
JAPANESE_CODECS = ("cp932", "euc_jp")

#: (conditions, label) pairs; every (offset, bytes) condition must hold. More
#: specific entries come first (RIFF subtypes before plain RIFF).
BINARY_SIGNATURES: tuple[tuple[tuple[tuple[int, bytes], ...], str], ...] = (
    (((0, b"\x89PNG\r\n\x1a\n"),), "PNG image"),
    (((0, b"\xff\xd8\xff"),), "JPEG image"),
    (((0, b"GIF87a"),), "GIF image"),
    (((0, b"GIF89a"),), "GIF image"),
    (((0, b"RIFF"), (8, b"WEBP")), "WebP image"),
    (((0, b"RIFF"), (8, b"WAVE")), "WAV audio"),
    (((0, b"RIFF"), (8, b"AVI ")), "AVI video"),
    (((0, b"RIFF"),), "RIFF media file"),
    (((4, b"ftypavif"),), "AVIF image"),
    (((4, b"ftyphei"),), "HEIC image"),
    (((4, b"ftyp"),), "MP4 video"),
    (((0, b"II*\x00"),), "TIFF image"),
    (((0, b"MM\x00*"),), "TIFF image"),
    (((0, b"%PDF-"),), "PDF document"),
    (((0, b"PK\x03\x04"),), "ZIP archive"),
    (((0, b"PK\x05\x06"),), "ZIP archive"),
    (((0, b"PK\x07\x08"),), "ZIP archive"),
    (((0, b"\x1f\x8b"),), "gzip data"),
    (((0, b"7z\xbc\xaf\x27\x1c"),), "7z archive"),
    (((0, b"\xfd7zXZ\x00"),), "xz archive"),
    (((0, b"\x28\xb5\x2f\xfd"),), "zstd data"),
    (((0, b"Rar!\x1a\x07"),), "RAR archive"),
    (((0, b"BZh"), (4, b"1AY&SY")), "bzip2 data"),
    (((0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),), "Microsoft Office document"),
    (((0, b"\x7fELF"),), "ELF executable"),
    (((0, b"\xca\xfe\xba\xbe"),), "Java class file"),
    (((0, b"\x00asm"),), "WebAssembly module"),
    (((0, b"SQLite format 3\x00"),), "SQLite database"),
    (((0, b"OggS"),), "Ogg media file"),
    (((0, b"fLaC"),), "FLAC audio"),
    (((0, b"ID3\x02"),), "MP3 audio"),
    (((0, b"ID3\x03"),), "MP3 audio"),
    (((0, b"ID3\x04"),), "MP3 audio"),
    (((0, b"wOFF"),), "WOFF font"),
    (((0, b"wOF2"),), "WOFF2 font"),
)

#: BOMs, longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: `<meta ... charset=LABEL`: the first `charset=` with a label in a meta tag. The
#: tag is scanned only up to the next "<meta" (from which the same label is found),
#: where a lazy `[^>]*?` rescanned the rest of the head from every "<meta" of a
#: page without ">" (quadratic); the spaces are possessive, as `\s*["']?\s*`
#: tried every split of a long run of spaces.
_CHARSET_IS = rb"""charset\s*+=\s*+["']?\s*+"""
_META_CHARSET = re.compile(
    rb"<meta\b(?:[^>c<]++|(?!" + _CHARSET_IS + rb"[A-Za-z0-9._:\-])c|<(?!meta\b))*+"
    + _CHARSET_IS + rb"([A-Za-z0-9._:\-]+)",
    re.IGNORECASE,
)
_XML_ENCODING = re.compile(
    rb"""\A\s*+<\?xml\b[^>]*?encoding\s*+=\s*+["']([A-Za-z0-9._:\-]+)""", re.IGNORECASE
)
# C0 controls other than NUL (checked on the bytes, then stripped) and \t \n \r \f,
# plus DEL and the C1 block: real text never contains them.
_CONTROL_CHARS = re.compile("[\x01-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# Undecodable bytes under errors="surrogateescape", and every non-ASCII character.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
_COMMON = re.compile(f"[{char_class(COMMON_BLOCKS)}]")


class DecodeError(CleanerError, ValueError):
    """Input that cannot be read as text; the message is one plain sentence.

    Example:
        >>> from cleaner import DecodeError, clean
        >>> try:
        ...     clean(b"")
        ... except DecodeError as exc:
        ...     print(exc)
        empty file
    """


def decode(raw: bytes, *, declared: str | None = None) -> tuple[str, str]:
    """Decode page bytes the way a browser would, falling back to detection.

    Args:
        raw: the file's bytes (already decompressed).
        declared: a charset from outside the file (an HTTP header); ignored when
            unknown or when the bytes do not decode with it.

    Returns:
        The text (NULs removed, newlines normalised to ``\\n``) and the Python
        codec name used, e.g. ``"utf-8"``, ``"cp1252"``, ``"utf-16-le"``.

    Raises:
        DecodeError: empty input, whitespace only, or binary content.

    Example:
        >>> decode(b"caf\\xc3\\xa9\\r\\n")
        ('café\\n', 'utf-8')
    """
    if not raw:
        raise DecodeError("empty file")
    label = binary_signature(raw)
    if label is not None:
        raise DecodeError(f"binary content ({label}), not a text or HTML page")

    sample = raw[:SAMPLE_BYTES]
    bom = _bom_encoding(raw)
    wide = _wide_encoding(raw, sample, bom, declared)
    text, encoding = _decode_chain(raw, declared=declared, bom=bom, wide=wide)
    head = text[:SAMPLE_BYTES]
    if head and len(_CONTROL_CHARS.findall(head)) > MAX_CONTROL_SHARE * len(head):
        # a last chance: UTF-16 of non-Latin text (no BOM, no NULs, no label)
        wide = None if bom or wide else _utf16_by_content(sample, _wide_label(declared))
        if wide is None:
            raise DecodeError("binary content, not a text or HTML page")
        text, encoding = raw.decode(wide, errors="replace"), wide

    if "\x00" in text:  # each replace copies the page: only when needed
        text = text.replace("\x00", "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.removeprefix("\ufeff")
    if not text or text.isspace():
        raise DecodeError("file has no text")
    return text, encoding


def binary_signature(raw: bytes) -> str | None:
    """Name the binary format whose magic number starts ``raw``, if any."""
    for conditions, label in BINARY_SIGNATURES:
        if all(raw[offset : offset + len(magic)] == magic for offset, magic in conditions):
            return label
    return None


def charset_codec(label: str | None, *, in_page: bool = False) -> str | None:
    """Map a charset label to the Python text codec a browser would use.

    Returns None for every label outside the WHATWG Encoding Standard's list,
    among them UTF-7, "utf-32", EBCDIC code pages and non-text codecs such as
    ``base64`` (which `codecs.lookup` accepts), and for the "replacement" labels
    (ISO-2022-KR, HZ, ISO-2022-CN): a browser ignores an unknown label and goes
    on to the next source, and so does `decode`. An in-page UTF-16 label means
    UTF-8: the page could not have been read far enough to find it otherwise
    (HTML standard, "prescan").

    Example:
        >>> charset_codec("ISO-8859-1"), charset_codec("utf-7"), charset_codec("sjis")
        ('cp1252', None, 'cp932')
    """
    if not label:
        return None
    codec = codec_for_label(label.strip("\t\n\f\r \"'"))
    if in_page and codec in ("utf-16-le", "utf-16-be"):
        return "utf-8"
    return codec


def _bom_encoding(raw: bytes) -> str | None:
    for bom, name in BOMS:
        if raw.startswith(bom):
            return name
    return None


def _utf16_without_bom(sample: bytes) -> str | None:
    """Recognise BOM-less UTF-16 by NULs sitting on one byte parity only."""
    even, odd = sample[0::2], sample[1::2]
    if len(odd) < 2:
        return None
    even_share, odd_share = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_share >= UTF16_NUL_PARITY_SHARE and even_share < UTF16_OTHER_PARITY_MAX:
        return "utf-16-le"
    if even_share >= UTF16_NUL_PARITY_SHARE and odd_share < UTF16_OTHER_PARITY_MAX:
        return "utf-16-be"
    return None


def _wide_encoding(raw: bytes, sample: bytes, bom: str | None, declared: str | None) -> str | None:
    """UTF-16/32 by BOM, NUL parity or content; many NULs and none of these is binary."""
    if bom not in (None, "utf-8-sig"):
        return bom
    wide = _utf16_without_bom(sample)
    many_nuls = sample.count(0) > MAX_NUL_SHARE * len(sample)
    labelled = _wide_label(declared)
    if wide is None and bom is None and (
        many_nuls or (labelled and _try(raw, "utf-8") is None)
    ):
        wide = _utf16_by_content(sample, labelled)
    if wide is None and many_nuls:
        raise DecodeError("binary content, not a text or HTML page")
    return wide


def _wide_label(declared: str | None) -> tuple[str, ...]:
    """The UTF-16 byte orders a declared label allows (none for other labels)."""
    codec = charset_codec(declared)
    if codec not in ("utf-16-le", "utf-16-be"):
        return ()
    if label_key((declared or "").strip("\t\n\f\r \"'")) in UNORDERED_UTF16_LABELS:
        return ("utf-16-le", "utf-16-be")  # "utf-16": the bytes say which order
    return (codec,)


def _common_share(text: str) -> float:
    return len(_COMMON.findall(text)) / len(text) if text else 0.0


def _utf16_by_content(sample: bytes, orders: tuple[str, ...]) -> str | None:
    """BOM-less UTF-16 without NUL parity (non-Latin text), by what each byte order gives.

    Only asked with other evidence of UTF-16 (many NULs, a UTF-16 label, or
    control characters in every 8-bit reading): EUC-KR read as UTF-16-BE is all
    Hangul, so plausible characters alone prove nothing.
    """
    even = sample[: len(sample) // 2 * 2]
    best, best_share = None, UTF16_COMMON_SHARE
    for codec in orders or ("utf-16-le", "utf-16-be"):
        share = _common_share(even.decode(codec, errors="replace"))
        if share >= best_share:
            best, best_share = codec, share
    return best


def _in_page_charset(raw: bytes) -> str | None:
    """The first in-page declaration with a label browsers know (meta tags, then the
    XML declaration); an unknown or refused label is passed over, as in the prescan."""
    head = raw[:META_SCAN_BYTES]
    for pattern in (_META_CHARSET, _XML_ENCODING):
        for match in pattern.finditer(head):
            codec = charset_codec(match.group(1).decode("ascii"), in_page=True)
            if codec:
                return codec
    return None


def _try(raw: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return raw.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_chain(
    raw: bytes, *, declared: str | None, bom: str | None, wide: str | None
) -> tuple[str, str]:
    """Try each source of truth in browser order; the last step cannot fail."""
    if wide:
        # A wide BOM or NULs on one byte parity are strong evidence: keep the
        # encoding even if the end is damaged (odd length after truncation).
        return raw.decode(wide, errors="replace"), wide
    text = _try(raw, bom)
    if bom and text is not None:
        return text, bom
    declared_codec = charset_codec(declared)
    if declared_codec and declared_codec.startswith(("utf-16", "utf-32")):
        declared_codec = None  # a wide label on bytes without wide patterns is wrong
    in_page = _in_page_charset(raw)
    for codec in (declared_codec, in_page, "utf-8"):
        text = _try(raw, codec)
        if codec is not None and text is not None:
            return text, codec

    said_utf8 = "utf-8" in (declared_codec, in_page)
    mostly = _mostly_utf8(raw, DECLARED_UTF8_RATIO if said_utf8 else MOSTLY_UTF8_RATIO)
    if mostly is not None:
        return mostly, "utf-8"

    visible = visible_bytes(raw)  # what the language evidence reads (`inputs.fallback`)
    codec = _japanese(raw) or _detect(raw, visible)
    if western_default(raw, codec, visible):  # the browser default, unless detection is sure
        codec = FALLBACK_CODEC
    if codec is not None:
        text = _try(raw, codec)
        if text is None:  # the detector samples chunks; a later one may be bad
            text = raw.decode(codec, errors="replace")
        return text, codec
    return raw.decode(FALLBACK_CODEC, errors="replace"), FALLBACK_CODEC


def _detect(raw: bytes, visible: bytes) -> str | None:
    """Guess the encoding among those the web uses; ties go to windows-1252.

    On short inputs the detector often scores several code pages the same (a
    lone "\xff" is equally Farsi cp1006 or Western cp1252); guesses it can
    hardly tell apart are ranked by the letters of the page's language first
    (`fallback.alphabet_score`, read in the ``visible`` text: markup words are
    stop words of some language), and with no evidence left to separate them,
    the browser default is the least surprising answer.
    """
    matches = charset_normalizer.from_bytes(raw, cp_isolation=list(WEB_ENCODINGS))
    best = matches.best()
    if best is None:
        return None
    score = alphabet_score(page_sample(visible, best.encoding))
    scored = [(m, score(page_sample(visible, m.encoding)) if score else 0) for m in matches
              if m.chaos <= best.chaos + CHAOS_TIE]
    best_score = 0
    if score is not None:
        best, best_score = max(scored, key=lambda pair: pair[1])  # the first of equals
    tied = [m for m, points in scored if points == best_score
            and (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    if any(FALLBACK_CODEC in m.could_be_from_charset for m in tied):
        return FALLBACK_CODEC
    return web_codec(best.encoding)


def _japanese(raw: bytes) -> str | None:
    """Shift_JIS or EUC-JP Japanese, which the detector misjudges on short pages.

    Its mess measure counts kana as rare characters, so a page of Japanese
    prose with little markup is refused by every codec and ends as windows-1252.
    """
    for codec in JAPANESE_CODECS:
        text = _try(raw, codec)
        if text is None:
            continue
        wide = _NON_ASCII.findall(text)
        if wide and len(KANA.findall(text)) >= KANA_SHARE * len(wide):
            return codec
    return None


def _mostly_utf8(raw: bytes, ratio: float) -> str | None:
    """Decode UTF-8 with a few broken bytes (truncation, a stray byte) as UTF-8."""
    text = raw.decode("utf-8", errors="surrogateescape")
    bad = len(_ESCAPED_BYTE.findall(text))
    good = len(_NON_ASCII.findall(text)) - bad
    if good == 0 or bad * ratio > good:
        return None
    return raw.decode("utf-8", errors="replace")
