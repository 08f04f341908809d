"""Only the encodings a browser knows are used: UTF-7 and other labels are refused.

A page declaring UTF-7 turns "+ADw-script+AD4-" into "<script>": a browser shows
that page as plain text, and so must we, or markup hidden from every reader would
reach our extraction. The same holds for any label outside the WHATWG Encoding
Standard's list (EBCDIC "cp037", "utf-32", HZ, ISO-2022-KR, "base64", ...): it is
ignored as an unknown label, and decoding goes on with the next source.
"""

from __future__ import annotations

import codecs
import random

import pytest

from cleaner.clean import clean
from cleaner.inputs.decode import charset_codec, decode

#: The codecs a page may be decoded with: those of the WHATWG encodings, and the
#: BOM forms (UTF-8 with its BOM, UTF-32, which is only ever taken from a BOM).
WEB_CODECS = frozenset({
    "utf-8", "cp866", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5", "iso8859-6",
    "iso8859-7", "iso8859-8", "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15",
    "iso8859-16", "koi8-r", "koi8-u", "mac-roman", "cp874", "cp1250", "cp1251", "cp1252",
    "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "mac-cyrillic", "gbk",
    "gb18030", "big5hkscs", "euc_jp", "iso2022_jp", "cp932", "cp949", "utf-16-be", "utf-16-le",
})  # fmt: skip
BOM_CODECS = frozenset({"utf-8-sig", "utf-32-le", "utf-32-be"})

HIDDEN = b"<p>Text +ADw-script+AD4-alert(1)+ADw-/script+AD4- more text</p>"
RUSSIAN = "Городской совет утвердил новый бюджет на следующий год после долгих споров."


@pytest.mark.parametrize("label", ["utf-7", "UTF-7", "utf7", "unicode-1-1-utf-7", " utf-7 "])
def test_utf7_from_meta_is_refused(label: str) -> None:
    text, codec = decode(b'<meta charset="' + label.encode() + b'"><p>+ADw-b+AD4-</p>')
    assert (text, codec) == (f'<meta charset="{label}"><p>+ADw-b+AD4-</p>', "utf-8")


@pytest.mark.parametrize("label", ["utf-7", "UTF-7", "utf7", '"utf-7"'])
def test_utf7_from_a_declared_header_is_refused(label: str) -> None:
    assert decode(HIDDEN, declared=label) == (HIDDEN.decode("ascii"), "utf-8")


def test_utf7_from_an_xml_declaration_is_refused() -> None:
    raw = b'<?xml version="1.0" encoding="UTF-7"?><html><body>' + HIDDEN + b"</body></html>"
    assert decode(raw) == (raw.decode("ascii"), "utf-8")


@pytest.mark.parametrize("where", ["meta", "header"])
def test_a_utf7_page_shows_its_hidden_markup_as_text(where: str) -> None:
    meta = b'<meta http-equiv="Content-Type" content="text/html; charset=utf-7">'
    raw = (b"<html><head>" + (meta if where == "meta" else b"") + b"<title>A page</title>"
           b"</head><body><article>" + HIDDEN + b"</article></body></html>")
    doc = clean(raw, charset="utf-7" if where == "header" else None)
    assert doc.meta["encoding"] == "utf-8"
    assert "+ADw-script+AD4-alert(1)" in doc.text


@pytest.mark.parametrize(
    "label",
    ["cp037", "cp500", "utf-32", "UTF-32LE", "rot13", "base64", "hz-gb-2312", "hz",
     "iso-2022-kr", "csiso2022kr", "iso-2022-cn", "replacement", "x-user-defined", "idna",
     "punycode", "latin-1", "utf_8", "mbcs", "\u212aoi8-r"],  # Kelvin sign: not ASCII "K"
)
def test_labels_outside_the_whatwg_list_are_unknown(label: str) -> None:
    assert charset_codec(label) is None
    assert charset_codec(label, in_page=True) is None


@pytest.mark.parametrize(
    ("label", "body"),
    [("cp037", "Hello world"), ("hz-gb-2312", "~{Dc:CJ@=g~}"), ("iso-2022-kr", "plain"),
     ("utf-32", "plain text")],
)
def test_a_refused_meta_label_falls_through_to_the_next_source(label: str, body: str) -> None:
    raw = f'<html><head><meta charset="{label}"></head><body><p>{body}</p></body></html>'
    assert decode(raw.encode("ascii")) == (raw, "utf-8")


def test_a_refused_header_gives_way_to_the_meta_tag() -> None:
    raw = f'<meta charset="windows-1251"><p>{RUSSIAN}</p>'.encode("cp1251")
    text, codec = decode(raw, declared="x-unknown-7")
    assert (codec, RUSSIAN in text) == ("cp1251", True)
    assert decode(raw, declared="utf-7")[1] == "cp1251"


def test_a_refused_meta_gives_way_to_the_next_meta() -> None:
    raw = f'<meta charset="cp037"><meta charset="windows-1251"><p>{RUSSIAN}</p>'
    text, codec = decode(raw.encode("cp1251"))
    assert (codec, RUSSIAN in text) == ("cp1251", True)


@pytest.mark.parametrize(
    ("label", "codec"),
    [("latin1", "cp1252"), ("ISO-8859-1", "cp1252"), ("us-ascii", "cp1252"),
     ("windows-1251", "cp1251"), ("sjis", "cp932"), ("Shift_JIS", "cp932"),
     ("windows-31j", "cp932"), ("x-mac-cyrillic", "mac-cyrillic"),
     ("x-mac-ukrainian", "mac-cyrillic"), ("macintosh", "mac-roman"), ("koi8-u", "koi8-u"),
     ("koi8-ru", "koi8-u"), ("KOI8-R", "koi8-r"), ("gb2312", "gbk"), ("GBK", "gbk"),
     ("gb18030", "gb18030"), ("big5", "big5hkscs"), ("euc-kr", "cp949"),
     ("ks_c_5601-1987", "cp949"), ("euc-jp", "euc_jp"), ("iso-2022-jp", "iso2022_jp"),
     ("iso-8859-8-i", "iso8859-8"), ("logical", "iso8859-8"), ("iso-8859-6-i", "iso8859-6"),
     ("tis-620", "cp874"), ("dos-874", "cp874"), ("iso-8859-9", "cp1254"),
     ("iso-8859-15", "iso8859-15"), ("l9", "iso8859-15"), ("ibm866", "cp866"),
     ("utf8", "utf-8"), ("UTF-8", "utf-8"), ("unicode-1-1-utf-8", "utf-8"),
     (" Shift_JIS\t", "cp932"), ("'utf-8'", "utf-8"), ("utf-16le", "utf-16-le"),
     ("unicodefffe", "utf-16-be")],
)
def test_whatwg_labels_still_work(label: str, codec: str) -> None:
    assert charset_codec(label) == codec


@pytest.mark.parametrize(
    ("label", "python_codec", "text"),
    [("x-mac-cyrillic", "mac_cyrillic", RUSSIAN), ("koi8-u", "koi8_u", RUSSIAN),
     ("windows-1251", "cp1251", RUSSIAN), ("iso-8859-8-i", "iso8859_8", "עיריית העיר אישרה"),
     ("sjis", "shift_jis", "市は月曜日、新しい橋の建設を発表した。"),
     ("euc-kr", "euc_kr", "정부는 새 다리를 내년 가을에 착공한다고 발표했다."),
     ("gb2312", "gb2312", "市政府周一宣布新大桥将于明年秋天开工建设。"),
     ("latin1", "latin-1", "Café")],
)
def test_pages_in_whatwg_encodings_decode_by_their_meta_label(
    label: str, python_codec: str, text: str
) -> None:
    page = f'<html><head><meta charset="{label}"></head><body><p>{text}</p></body></html>'
    decoded, codec = decode(page.encode(python_codec))
    assert decoded == page
    assert codec == charset_codec(label) and codec in WEB_CODECS


def test_the_utf32_bom_still_decodes() -> None:
    raw = codecs.BOM_UTF32_LE + "Un texte en UTF-32, lu par son BOM.".encode("utf-32-le")
    assert decode(raw) == ("Un texte en UTF-32, lu par son BOM.", "utf-32-le")


def _pages() -> list[bytes]:
    """Pages with every kind of declaration, and bytes of many shapes."""
    rnd = random.Random(20)
    labels = ["utf-7", "cp037", "utf-32", "hz-gb-2312", "iso-2022-kr", "latin-1", "x-nope",
              "utf-16", "sjis", "x-mac-cyrillic", "ebcdic-cp-us", "cp1026", "iso2022_jp_2"]
    texts = [RUSSIAN.encode(c) for c in ("cp1251", "koi8_r", "cp866", "mac_cyrillic", "utf-8")]
    texts += [bytes(rnd.randrange(0x20, 0x100) for _ in range(300)) for _ in range(20)]
    pages = []
    for i, body in enumerate(texts):
        label = labels[i % len(labels)].encode()
        pages += [b'<meta charset="' + label + b'"><p>' + body, body,
                  b'<?xml version="1.0" encoding="' + label + b'"?><p>' + body]
    return pages


@pytest.mark.parametrize("declared", [None, "utf-7", "cp037", "utf-32", "hz-gb-2312"])
def test_decode_never_uses_a_codec_outside_the_list(declared: str | None) -> None:
    for raw in _pages():
        _, codec = decode(raw, declared=declared)
        assert codec in WEB_CODECS | BOM_CODECS, (raw[:60], codec)
