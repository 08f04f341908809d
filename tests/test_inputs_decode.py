"""decode(): bytes with known encodings come back as the text they were made from."""

from __future__ import annotations

import codecs
import random

import pytest

from cleaner.inputs.decode import DecodeError, binary_signature, charset_codec, decode
from cleaner.inputs.fallback import detector_is_sure, page_language, western_shaped
from cleaner.inputs.sniff import sniff_kind

FRENCH = "Le café crème coûte 3 € — « très » cher, dit-on à l’hôtel."
JAPANESE = "東京の天気は晴れです。今日は散歩に行きましょう。"
RUSSIAN = "Съешь же ещё этих мягких французских булок, да выпей чаю."
# Long enough for detection to be sure: a few sentences of ordinary news prose.
CHINESE = (
    "中华人民共和国是世界上人口最多的国家之一，拥有悠久的历史和灿烂的文化。"
    "北京是中国的首都，也是全国的政治、文化和国际交往中心。"
    "上海是中国最大的经济城市，每年吸引大量游客前来参观。"
    "近年来，中国的科技发展迅速，人工智能和新能源汽车产业取得了显著成就。"
    "许多年轻人选择在大城市工作，但也有越来越多的人回到家乡创业。"
)


def page(body: str, head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head>{head}<title>T</title></head>"
        f"<body><p>{body}</p></body></html>"
    )


# --- encodings -------------------------------------------------------------------


def test_plain_utf8() -> None:
    assert decode(FRENCH.encode("utf-8")) == (FRENCH, "utf-8")


def test_utf8_bom_is_removed() -> None:
    assert decode(codecs.BOM_UTF8 + FRENCH.encode("utf-8")) == (FRENCH, "utf-8-sig")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(codec: str) -> None:
    text, encoding = decode(f"{FRENCH}\n{JAPANESE}".encode(codec))
    assert text == f"{FRENCH}\n{JAPANESE}"
    assert encoding.startswith(codec[:6])


def test_utf16_without_bom_is_recognised_by_its_nul_pattern() -> None:
    raw = "Hello plain world, nothing special here.".encode("utf-16-le")
    assert decode(raw) == ("Hello plain world, nothing special here.", "utf-16-le")


def test_windows_1252_from_http_equiv_meta_latin1_means_1252() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
    raw = page(FRENCH.replace("€", "EUR"), head).encode("cp1252")
    text, encoding = decode(raw)
    assert encoding == "cp1252"
    assert "« très »" in text and "l’hôtel" in text  # ’ is 0x92: not in real latin-1


def test_shift_jis_from_meta_charset() -> None:
    raw = page(JAPANESE, '<meta charset="Shift_JIS">').encode("shift_jis")
    text, encoding = decode(raw)
    assert JAPANESE in text
    assert encoding == "cp932"  # browsers read Shift_JIS labels as Windows-31J


def test_declared_charset_wins_over_guessing() -> None:
    raw = RUSSIAN.encode("koi8-r")
    assert decode(raw, declared="KOI8-R") == (RUSSIAN, "koi8-r")


def test_declared_charset_comes_before_meta() -> None:
    raw = page(FRENCH, '<meta charset="windows-1252">').encode("utf-8")
    assert decode(raw, declared="utf-8")[1] == "utf-8"


@pytest.mark.parametrize("declared", ["no-such-charset", "base64", "", None])
def test_unknown_or_non_text_declared_charset_is_ignored(declared: str | None) -> None:
    assert decode(FRENCH.encode("utf-8"), declared=declared) == (FRENCH, "utf-8")


def test_declared_charset_that_fails_falls_through_to_meta() -> None:
    raw = page(JAPANESE, '<meta charset="shift_jis">').encode("shift_jis")
    text, encoding = decode(raw, declared="utf-8")
    assert JAPANESE in text and encoding == "cp932"


def test_gbk_without_any_declaration_is_detected() -> None:
    text, encoding = decode(CHINESE.encode("gbk"))
    assert text == CHINESE
    assert encoding in {"gbk", "gb18030"}


def test_short_western_bytes_fall_back_to_windows_1252() -> None:
    assert decode("naïve café".encode("cp1252")) == ("naïve café", "cp1252")


def test_invalid_utf8_does_not_raise() -> None:
    raw = "Grüße aus München, schöne Straße. ".encode() * 5 + b"\xff broken \xc3"
    text, encoding = decode(raw)
    assert encoding == "utf-8"
    assert "Grüße aus München" in text and "\ufffd broken" in text


def test_nul_bytes_are_stripped_and_newlines_normalised() -> None:
    raw = b"first line\r\nsecond\x00 line\rthird line, long enough to dilute the NUL\n"
    assert decode(raw)[0] == "first line\nsecond line\nthird line, long enough to dilute the NUL\n"


# --- no declaration, not UTF-8: windows-1252 unless detection is sure -------------


# Short Western text in windows-1252: detection alone read eight of these 22 pages
# and text dumps as windows-1257 ("déją"), 1251 ("cafй"), 1250 ("caffč") or 1258.
SHORT_WESTERN = [
    "café déjà",
    "Il était une fois un café à Paris, déjà très connu.",
    "Noël approche : les vitrines sont déjà décorées.",
    "Où est la gare ? À gauche, près du marché.",
    "A situação econômica do país melhorou, disse o ministro.",
    "Þetta er fallegur dagur í Reykjavík.",
    "Però non è così facile: l’università è già chiusa.",
    "Il caffè costa un euro, è vero.",
    "Grüße aus München",
    "¿Dónde está la estación? Está a dos calles, señor.",
    "Børnene spiste rødgrød med fløde.",
]


@pytest.mark.parametrize("form", ["text", "html"])
@pytest.mark.parametrize("text", SHORT_WESTERN)
def test_short_western_text_without_a_declaration_is_windows_1252(text: str, form: str) -> None:
    body = text if form == "text" else page(text)
    assert decode(body.encode("cp1252")) == (body, "cp1252")


# Short Latin-script text in its own code page: the detector is sure, by one of the
# pieces of evidence of fallback.detector_is_sure: accented stop words ("přes",
# "řízení", "galėtų"), an alphabet that holds every letter (Hungarian "ő", Estonian
# "š"), the letters of the language both readings are in (Croatian "č", "ć").
SHORT_LATIN = [
    ("Příští týden začne oprava mostu přes řeku.", "cp1250"),
    ("Ministr řekl, že vláda připraví nový zákon o stavebním řízení.", "iso8859_2"),
    ("Pasak ministro, terminai galėtų sutrumpėti perpus.", "cp1257"),
    ("Iedzīvotāji baidās no trokšņa un koku ciršanas parkā.", "cp1257"),
    ("Mahalle sakinleri parktaki gürültüden ve ağaç kesiminden endişe ediyor.", "cp1254"),
    ("Az építkezés jövő ősszel kezdődik, és két évig tart.", "cp1250"),
    ("Elanikud kardavad müra ja puude langetamist pargis, šokk on suur.", "cp1257"),
    ("Stanovnici se boje buke i sječe drveća u parku.", "cp1250"),
]


@pytest.mark.parametrize("form", ["text", "html"])
@pytest.mark.parametrize(("text", "codec"), SHORT_LATIN)
def test_short_latin_text_in_its_own_code_page_is_detected(
    text: str, codec: str, form: str
) -> None:
    body = text if form == "text" else page(text)
    assert decode(body.encode(codec))[0] == body


@pytest.mark.parametrize(
    "text",
    ["Il était une fois un café à Paris, déjà très connu.", "Þetta er fallegur dagur í Reykjavík.",
     "Vi åkte till Göteborg för att träffa våra vänner.", "It’s the year’s best—so far… “Really?”"],
)
def test_western_text_is_western_shaped(text: str) -> None:
    assert western_shaped(text)


@pytest.mark.parametrize(
    ("text", "codec"),
    [(RUSSIAN, "cp1251"), ("Η κυβέρνηση ανακοίνωσε τη Δευτέρα ότι", "iso8859_7"),
     ("הממשלה הודיעה ביום שני כי בניית הגשר", "cp1255"),
     ("Mieszkańcy obawiają się hałasu, a władze zapowiedziały budowę mostu.", "cp1250")],
)
def test_other_scripts_read_as_windows_1252_are_not_western_shaped(text: str, codec: str) -> None:
    # words of accented letters only ("Ñúåøü"), or symbols inside words ("w³adze")
    assert not western_shaped(text.encode(codec).decode("cp1252"))


def test_a_reading_that_turns_punctuation_into_letters_is_not_better() -> None:
    # "’" is 0x92: "í" in Mac Roman, a letter of Spanish, the language of both readings
    western = "El perro de mi hermano come pan con queso todas las noches y no ’ladra’ nunca."
    assert not detector_is_sure(western.replace("’", "í"), western)


def test_a_reading_that_turns_letters_into_symbols_is_not_better() -> None:
    # no alphabet has "ä", "Ø" and "ê"; Mac Roman reads them "‰" (a symbol), "ÿ", "Í",
    # which Welsh has: one misfit fewer, for one letter fewer
    western = "Die Bäckerei Ørsted verkauft Crêpes."
    assert not detector_is_sure(western.encode("cp1252").decode("mac-roman"), western)


def test_the_language_of_a_page_counts_only_in_prose() -> None:
    assert page_language("Le café de la place a rouvert lundi après des mois de travaux.")
    # a list of names: its guess (Estonian) rests on chance hits, one word in nine
    assert page_language("Zürich Genève Lausanne Bern Basel Luzern Lugano St. Gallen") is None


# --- refusals --------------------------------------------------------------------


BINARY = "binary content ({}), not a text or HTML page"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty file"),
        (b" \r\n\t \n", "file has no text"),
        (codecs.BOM_UTF8 + b"\n", "file has no text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", BINARY.format("PNG image")),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", BINARY.format("PDF document")),
        (b"\x1f\x8b\x08\x00" + bytes(20), BINARY.format("gzip data")),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", BINARY.format("WebP image")),
        (b"\x00\x00\x00\x18ftypmp42", BINARY.format("MP4 video")),
        (b"PK\x03\x04\x14\x00", BINARY.format("ZIP archive")),
    ],
)
def test_refusals_say_why(raw: bytes, message: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode(raw)
    assert str(info.value) == message


def test_random_bytes_are_binary() -> None:
    raw = random.Random(0).randbytes(4096)
    assert binary_signature(raw) is None  # caught by the heuristics, not a magic number
    with pytest.raises(DecodeError, match="^binary content, not a text or HTML page$"):
        decode(raw)


def test_many_nul_bytes_are_binary() -> None:
    raw = b"abc\x00\x00\x00def\x00\x00\x00" * 100
    with pytest.raises(DecodeError, match="^binary content"):
        decode(raw)


def test_control_characters_are_binary() -> None:
    raw = bytes(range(1, 9)) * 50 + b"some text"
    with pytest.raises(DecodeError, match="^binary content"):
        decode(raw)


def test_decode_error_is_a_value_error() -> None:
    assert issubclass(DecodeError, ValueError)


@pytest.mark.parametrize(
    ("label", "codec"),
    # "latin-1" is not a WHATWG label ("latin1" is): a browser ignores it
    [("latin1", "cp1252"), ("latin-1", None), ("US-ASCII", "cp1252"), ("utf8", "utf-8"),
     ("x-nope", None), ("rot13", None), ("GB2312", "gbk")],
)
def test_charset_labels_map_like_browsers(label: str, codec: str | None) -> None:
    assert charset_codec(label) == codec


# --- html or text ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE html>\n<html><body>x</body></html>",
        "\ufeff  \n<HTML lang=en><p>x",
        '<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN">\n<html>',
        "<!-- saved page -->\n<head><meta charset=utf-8><title>T</title></head>"
        "<body><div class=a><p>Some text</p></div></body>",
        "<div><p>A short fragment.</p></div>",
    ],
)
def test_html_is_recognised(text: str) -> None:
    assert sniff_kind(text) == "html"


@pytest.mark.parametrize(
    "text",
    [
        "Breaking news: the mayor spoke today.\n\nShe said the plan will go ahead.",
        "To group elements, wrap them in a <div> and style it.\n" + "More prose follows. " * 40,
        "<b>not enough</b> structure in this line of plain text",
        "",
    ],
)
def test_text_is_recognised(text: str) -> None:
    assert sniff_kind(text) == "text"
