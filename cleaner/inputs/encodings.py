"""The encoding labels a browser honours (WHATWG Encoding Standard), as data.

A page or a server names its encoding with a label ("latin1", "sjis",
"utf-8"). Python's `codecs.lookup` knows far more names than browsers do,
among them UTF-7, which turns "+ADw-script+AD4-" into "<script>" (a page that
a browser shows as harmless text would hide markup from us), EBCDIC code pages
and non-text codecs. So a label counts only when it is in the standard's list
of labels (https://encoding.spec.whatwg.org/#names-and-labels), compared as the
standard does: surrounding whitespace removed, ASCII letters lowercased, and
nothing else folded ("latin-1" is not a label, "latin1" is). Every other label
is unknown, as it is to a browser, which then goes on to the next source.
"""

from __future__ import annotations

import codecs

#: WHATWG encoding name -> (the Python codec that decodes as browsers do, labels).
#: Where the standard reads a label as a superset (ISO-8859-1 and ASCII as
#: windows-1252, Shift_JIS as windows-31j, EUC-KR as windows-949, Big5 with the
#: HKSCS additions), the codec is that superset. Codec names are those that
#: `codecs.lookup(...).name` gives, so they compare with the detector's answers.
#: GBK keeps the "gbk" codec this package always used, though the standard
#: decodes it with the gb18030 decoder (a superset that reads GBK bytes alike).
ENCODINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "UTF-8": ("utf-8", (
        "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8",
        "x-unicode20utf8")),
    "IBM866": ("cp866", ("866", "cp866", "csibm866", "ibm866")),
    "ISO-8859-2": ("iso8859-2", (
        "csisolatin2", "iso-8859-2", "iso-ir-101", "iso8859-2", "iso88592", "iso_8859-2",
        "iso_8859-2:1987", "l2", "latin2")),
    "ISO-8859-3": ("iso8859-3", (
        "csisolatin3", "iso-8859-3", "iso-ir-109", "iso8859-3", "iso88593", "iso_8859-3",
        "iso_8859-3:1988", "l3", "latin3")),
    "ISO-8859-4": ("iso8859-4", (
        "csisolatin4", "iso-8859-4", "iso-ir-110", "iso8859-4", "iso88594", "iso_8859-4",
        "iso_8859-4:1988", "l4", "latin4")),
    "ISO-8859-5": ("iso8859-5", (
        "csisolatincyrillic", "cyrillic", "iso-8859-5", "iso-ir-144", "iso8859-5", "iso88595",
        "iso_8859-5", "iso_8859-5:1988")),
    "ISO-8859-6": ("iso8859-6", (
        "arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic", "ecma-114",
        "iso-8859-6", "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127", "iso8859-6", "iso88596",
        "iso_8859-6", "iso_8859-6:1987")),
    "ISO-8859-7": ("iso8859-7", (
        "csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-8859-7",
        "iso-ir-126", "iso8859-7", "iso88597", "iso_8859-7", "iso_8859-7:1987", "sun_eu_greek")),
    "ISO-8859-8": ("iso8859-8", (
        "csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8", "iso-8859-8-e", "iso-ir-138",
        "iso8859-8", "iso88598", "iso_8859-8", "iso_8859-8:1988", "visual")),
    # the same bytes and characters as ISO-8859-8; only the display order differs
    "ISO-8859-8-I": ("iso8859-8", ("csiso88598i", "iso-8859-8-i", "logical")),
    "ISO-8859-10": ("iso8859-10", (
        "csisolatin6", "iso-8859-10", "iso-ir-157", "iso8859-10", "iso885910", "l6", "latin6")),
    "ISO-8859-13": ("iso8859-13", ("iso-8859-13", "iso8859-13", "iso885913")),
    "ISO-8859-14": ("iso8859-14", ("iso-8859-14", "iso8859-14", "iso885914")),
    "ISO-8859-15": ("iso8859-15", (
        "csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9")),
    "ISO-8859-16": ("iso8859-16", ("iso-8859-16",)),
    "KOI8-R": ("koi8-r", ("cskoi8r", "koi", "koi8", "koi8-r", "koi8_r")),
    "KOI8-U": ("koi8-u", ("koi8-ru", "koi8-u")),
    "macintosh": ("mac-roman", ("csmacintosh", "mac", "macintosh", "x-mac-roman")),
    "windows-874": ("cp874", (
        "dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874")),
    "windows-1250": ("cp1250", ("cp1250", "windows-1250", "x-cp1250")),
    "windows-1251": ("cp1251", ("cp1251", "windows-1251", "x-cp1251")),
    "windows-1252": ("cp1252", (
        "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1",
        "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1",
        "us-ascii", "windows-1252", "x-cp1252")),
    "windows-1253": ("cp1253", ("cp1253", "windows-1253", "x-cp1253")),
    "windows-1254": ("cp1254", (
        "cp1254", "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9", "iso88599", "iso_8859-9",
        "iso_8859-9:1989", "l5", "latin5", "windows-1254", "x-cp1254")),
    "windows-1255": ("cp1255", ("cp1255", "windows-1255", "x-cp1255")),
    "windows-1256": ("cp1256", ("cp1256", "windows-1256", "x-cp1256")),
    "windows-1257": ("cp1257", ("cp1257", "windows-1257", "x-cp1257")),
    "windows-1258": ("cp1258", ("cp1258", "windows-1258", "x-cp1258")),
    "x-mac-cyrillic": ("mac-cyrillic", ("x-mac-cyrillic", "x-mac-ukrainian")),
    "GBK": ("gbk", (
        "chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk",
        "iso-ir-58", "x-gbk")),
    "gb18030": ("gb18030", ("gb18030",)),
    "Big5": ("big5hkscs", ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5")),
    "EUC-JP": ("euc_jp", ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp")),
    "ISO-2022-JP": ("iso2022_jp", ("csiso2022jp", "iso-2022-jp")),
    "Shift_JIS": ("cp932", (
        "csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis", "windows-31j",
        "x-sjis")),
    "EUC-KR": ("cp949", (
        "cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987",
        "ks_c_5601-1989", "ksc5601", "ksc_5601", "windows-949")),
    "UTF-16BE": ("utf-16-be", ("unicodefffe", "utf-16be")),
    "UTF-16LE": ("utf-16-le", (
        "csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le")),
}  # fmt: skip

#: Labels of the standard's "replacement" encoding (ISO-2022-KR, HZ, ISO-2022-CN):
#: a browser shows such a page as one U+FFFD, since these encodings served to
#: smuggle markup past filters; here the label is refused like an unknown one.
REPLACEMENT_LABELS: frozenset[str] = frozenset(
    {"csiso2022kr", "hz-gb-2312", "iso-2022-cn", "iso-2022-cn-ext", "iso-2022-kr", "replacement"}
)
#: "x-user-defined" (bytes 0x80-0xFF to private-use characters) is refused too:
#: no page text is written in it.
REFUSED_LABELS: frozenset[str] = REPLACEMENT_LABELS | {"x-user-defined"}

#: Every label the standard lists and this package honours -> the Python codec.
LABELS: dict[str, str] = {
    label: codec for codec, labels in ENCODINGS.values() for label in labels
}
#: The codecs a label, the detector or the fallback may give: the only ones a
#: decoded page can have been read with, but for the BOMs (see `decode.BOMS`).
WEB_CODECS: frozenset[str] = frozenset(LABELS.values())

#: Labels that name UTF-16 without a byte order. The standard reads them as
#: UTF-16LE; a BOM, or the bytes themselves, may still show big-endian text.
UNORDERED_UTF16_LABELS: frozenset[str] = frozenset(
    {"csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "utf-16"}
)

#: The whitespace the standard strips around a label (ASCII whitespace), and its
#: lowercasing (ASCII only: str.lower would make the Kelvin sign a "k").
_ASCII_WHITESPACE = "\t\n\f\r "
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

if len(LABELS) != sum(len(labels) for _, labels in ENCODINGS.values()):
    raise ValueError("encodings.ENCODINGS: a label is listed under two encodings")
if LABELS.keys() & REFUSED_LABELS:
    raise ValueError("encodings.ENCODINGS: a refused label is listed as honoured")


def label_key(label: str) -> str:
    """A label as the standard compares it: whitespace stripped, ASCII lowercased."""
    return label.strip(_ASCII_WHITESPACE).translate(_ASCII_LOWER)



def codec_for_label(label: str) -> str | None:
    """The Python codec a browser decodes with for this label; None for unknown or refused.

    Example:
        >>> codec_for_label(" Shift_JIS"), codec_for_label("latin1"), codec_for_label("utf-7")
        ('cp932', 'cp1252', None)
    """
    return LABELS.get(label_key(label))


#: Python codecs that browsers read as a superset, as the standard's labels for
#: them do (the named codec would reject characters such pages really contain);
#: applied to the detector's answers.
BROWSER_SUPERSETS: dict[str, str] = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "tis-620": "cp874",
    "iso8859-11": "cp874",
    "gb2312": "gbk",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
}

#: The legacy encodings of the WHATWG Encoding Standard (in charset_normalizer's
#: names): the only ones web pages use. Letting the detector pick from all ~100
#: Python code pages yields EBCDIC or cp1006 guesses for short Western pages.
#: UTF-7 is left out on purpose: browsers refuse it (script-injection risk).
#: Whatever the detector answers still goes through `web_codec`.
WEB_ENCODINGS: tuple[str, ...] = (
    "utf_8", "utf_16_le", "utf_16_be", "cp866", "iso8859_2", "iso8859_3", "iso8859_4",
    "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8", "iso8859_10", "iso8859_13",
    "iso8859_14", "iso8859_15", "iso8859_16", "koi8_r", "koi8_u", "mac_roman",
    "mac_cyrillic", "cp874", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255",
    "cp1256", "cp1257", "cp1258", "gbk", "gb18030", "big5", "euc_jp", "iso2022_jp",
    "shift_jis", "cp932", "euc_kr", "cp949",
)  # fmt: skip


def web_codec(name: str) -> str | None:
    """The codec browsers would use for a Python codec name (the detector's answer),
    or None when it is none of the web's encodings."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    canonical = BROWSER_SUPERSETS.get(canonical, canonical)
    return canonical if canonical in WEB_CODECS else None
