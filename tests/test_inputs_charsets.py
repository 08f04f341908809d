"""Pages in legacy and wide encodings come out as the text they were written in.

Each language is tried three ways: with a `<meta charset>`, with no declaration
at all (detection, which needs real text: each language has two ordinary news
paragraphs of a few hundred characters), and with the charset passed as
`clean(raw, charset=...)`, the way an HTTP header's charset arrives. The
reported `doc.meta["encoding"]` must name a codec that reads the bytes back as
the page that was written.
"""

from __future__ import annotations

import codecs

import pytest
from conftest import FIXTURES

from cleaner.clean import clean
from cleaner.inputs.decode import decode

# title, first paragraph, second paragraph
TEXTS: dict[str, tuple[str, str, str]] = {
    "en": (
        "Café owner’s “summer menu” draws queues",
        "The café’s owner, Zoë Martin, said the new “summer menu” would cost €12.50 per "
        "person. “We’re not trying to be fancy,” she told reporters on Tuesday, adding that "
        "prices had risen by 8 per cent since last year.",
        "Customers queued outside the door before noon — some of them for more than an hour "
        "— to try the crème brûlée and the naïve little pastries her grandmother used to "
        "bake. The council’s food inspector, who visited in June, gave the kitchen its "
        "highest rating.",
    ),
    "pl": (
        "Nowy most na Wiśle powstanie jesienią",
        "Władze miasta zapowiedziały w poniedziałek, że budowa nowego mostu na Wiśle "
        "rozpocznie się jesienią przyszłego roku. Według urzędników przeprawa ma odciążyć "
        "zatłoczone ulice w centrum i skrócić dojazd do pracy dla tysięcy mieszkańców.",
        "Koszt inwestycji oszacowano na ponad pół miliarda złotych, a większość pieniędzy "
        "pochodzić będzie z funduszy unijnych. Mieszkańcy okolicznych osiedli obawiają się "
        "jednak hałasu i wycinki drzew w parku, gdzie ma stanąć jeden z filarów.",
    ),
    "cs": (
        "Vláda chce zrychlit stavební řízení",
        "Vláda ve středu schválila návrh zákona, který má zjednodušit stavební řízení a "
        "zkrátit čekání na povolení u menších staveb. Podle ministra pro místní rozvoj by "
        "se lhůty měly zkrátit až o polovinu.",
        "Kritici však upozorňují, že změny mohou oslabit ochranu přírody a omezit možnost "
        "obyvatel vyjádřit se k projektům ve svém okolí. Poslanci budou o návrhu jednat na "
        "příští schůzi sněmovny, která začíná v úterý.",
    ),
    "ru": (
        "Новый мост начнут строить осенью",
        "Городские власти объявили в понедельник, что строительство нового моста через реку "
        "начнётся осенью следующего года. По словам чиновников, переправа должна разгрузить "
        "улицы в центре города и сократить время в пути для тысяч жителей.",
        "Стоимость проекта оценивается в несколько миллиардов рублей, большая часть средств "
        "поступит из федерального бюджета. Жители соседних районов опасаются шума и вырубки "
        "деревьев в парке, где должна встать одна из опор.",
    ),
    "el": (
        "Άρχισαν τα έργα για τη νέα γέφυρα",
        "Η κυβέρνηση ανακοίνωσε τη Δευτέρα ότι η κατασκευή της νέας γέφυρας θα ξεκινήσει το "
        "φθινόπωρο του επόμενου έτους. Σύμφωνα με τους αρμόδιους, το έργο θα αποσυμφορήσει "
        "τους δρόμους στο κέντρο της πόλης.",
        "Άλλοι κάτοικοι ζητούν από τον Άρειο Πάγο να εξετάσει την υπόθεση, ενώ οι κάτοικοι "
        "των γειτονικών περιοχών ανησυχούν για τον θόρυβο και την κοπή δέντρων στο πάρκο. "
        "Το κόστος του έργου εκτιμάται σε εκατοντάδες εκατομμύρια ευρώ.",
    ),
    "ja": (
        "新しい橋、来年秋に着工へ",
        "市は月曜日、川に架かる新しい橋の建設を来年の秋に始めると発表した。担当者によると、"
        "新しい橋は市の中心部の渋滞を和らげ、何千人もの住民の通勤時間を短くする見込みだという。",
        "事業費は数百億円と見積もられており、その大部分は国の補助金で賄われる予定だ。"
        "一方で、近くに住む人々は工事の騒音や公園の木が切られることを心配している。"
        "市は来月、住民向けの説明会を開く予定である。",
    ),
    "fr": (
        "Le café de la place rouvre après deux ans de travaux",
        "Le café de la place du marché a rouvert ses portes lundi matin, après deux ans de "
        "travaux. Les habitués ont retrouvé leur comptoir préféré et la terrasse, où l’on peut "
        "déjà s’asseoir au soleil dès huit heures.",
        "« Nous avons gardé l’âme du lieu », explique la patronne, qui a hérité de "
        "l’établissement de ses grands-parents. Le prix du café reste fixé à 1,20 €, et les "
        "croissants sont toujours livrés par la boulangerie d’en face.",
    ),
    "lt": (
        "Vilniuje bus statomas naujas tiltas per Nerį",
        "Miesto savivaldybė pirmadienį paskelbė, kad naujas tiltas per Nerį bus pradėtas statyti "
        "kitų metų rudenį. Pasak valdininkų, jis turėtų sumažinti spūstis centre ir sutrumpinti "
        "kelionės į darbą laiką tūkstančiams gyventojų.",
        "Projekto kaina siekia kelias dešimtis milijonų eurų, o didžiąją dalį lėšų skirs Europos "
        "Sąjunga. Vis dėlto aplinkinių kvartalų gyventojai nerimauja dėl triukšmo ir medžių "
        "kirtimo parke, kuriame turėtų iškilti viena iš atramų.",
    ),
    "lv": (
        "Rīgā būvēs jaunu tiltu pār Daugavu",
        "Rīgas dome pirmdien paziņoja, ka jaunā tilta būvniecība sāksies nākamā gada rudenī. "
        "Pēc amatpersonu teiktā, tilts mazinās sastrēgumus centrā un saīsinās ceļu uz darbu "
        "tūkstošiem iedzīvotāju.",
        "Projekta izmaksas sasniedz vairākus desmitus miljonu eiro, un lielāko daļu naudas "
        "piešķirs Eiropas Savienība. Tuvējo apkaimju iedzīvotāji tomēr uztraucas par troksni un "
        "koku ciršanu parkā, kur tiks izbūvēts viens no balstiem.",
    ),
    "et": (
        "Tallinna ehitatakse uus sild",
        "Linnavalitsus teatas esmaspäeval, et uue silla ehitamine algab järgmise aasta sügisel. "
        "Ametnike sõnul peaks sild vähendama ummikuid kesklinnas ja lühendama tuhandete elanike "
        "tööleminekuaega.",
        "Ehitustööd teeb Tšehhi ettevõte, mis on varem ehitanud sildu ka Lätis ja Leedus. Lähedal "
        "asuvate linnaosade elanikud muretsevad siiski müra ja pargis puude langetamise pärast, "
        "sest sinna peaks kerkima üks sillatugedest.",
    ),
    "hu": (
        "Új híd épül a Duna felett",
        "A fővárosi önkormányzat hétfőn bejelentette, hogy jövő ősszel megkezdődik az új "
        "Duna-híd építése. A tisztviselők szerint a híd csökkenti a belvárosi dugókat, és több "
        "ezer lakos számára lerövidíti a munkába járás idejét.",
        "A beruházás költsége több tízmilliárd forint, amelynek nagy részét európai uniós "
        "forrásokból fedezik. A környékbeli lakók ugyanakkor aggódnak a zaj és a park fáinak "
        "kivágása miatt, ahol az egyik pillér állni fog.",
    ),
    "hr": (
        "Novi most preko Save gradit će se od jeseni",
        "Gradske vlasti objavile su u ponedjeljak da će izgradnja novog mosta preko Save početi "
        "na jesen sljedeće godine. Prema riječima dužnosnika, most će rasteretiti ulice u "
        "središtu grada i skratiti putovanje na posao tisućama stanovnika.",
        "Vrijednost projekta procjenjuje se na nekoliko stotina milijuna eura, a većina novca "
        "stići će iz europskih fondova. Stanovnici obližnjih naselja ipak se boje buke i sječe "
        "drveća u parku, gdje bi trebao stajati jedan od stupova.",
    ),
    "tr": (
        "Boğaz'a yeni köprü için çalışmalar başlıyor",
        "Belediye pazartesi günü yaptığı açıklamada, yeni köprünün yapımına gelecek yılın "
        "sonbaharında başlanacağını duyurdu. Yetkililere göre köprü, şehir merkezindeki trafiği "
        "azaltacak ve binlerce kişinin işe gidiş süresini kısaltacak.",
        "Projenin maliyetinin milyarlarca lirayı bulacağı tahmin ediliyor. Ancak yakın "
        "mahallelerde oturanlar, ayaklardan birinin yükseleceği parktaki gürültüden ve "
        "ağaçların kesilmesinden endişe ediyor.",
    ),
    "zh": (
        "跨河新大桥明年秋天开工",
        "市政府周一宣布，横跨河流的新大桥将于明年秋天开工建设。据有关负责人介绍，新桥建成后将"
        "缓解市中心的交通拥堵，并缩短数千名居民的通勤时间。",
        "该项目的总投资估计为数十亿元，其中大部分资金将来自中央财政补贴。不过，附近小区的居民"
        "担心施工噪音以及公园里的树木被砍伐。市政府表示，下个月将举行面向居民的说明会。",
    ),
}

# (language, Python codec the page is written in, label a page or server would
# use, encodings that may be reported). Browsers read Shift_JIS as windows-31j
# (cp932) and GB2312 as GBK; GB18030 is a superset of GBK that reads it alike.
LEGACY = [
    ("en", "cp1252", "windows-1252", {"cp1252"}),
    ("pl", "iso8859_2", "ISO-8859-2", {"iso8859-2"}),
    ("cs", "iso8859_2", "ISO-8859-2", {"iso8859-2"}),
    ("pl", "cp1250", "windows-1250", {"cp1250"}),
    ("ru", "iso8859_5", "ISO-8859-5", {"iso8859-5"}),
    ("el", "iso8859_7", "ISO-8859-7", {"iso8859-7"}),
    ("ja", "shift_jis", "Shift_JIS", {"cp932", "shift_jis"}),
    ("zh", "gb2312", "GB2312", {"gbk", "gb18030"}),
    ("zh", "gbk", "GBK", {"gbk", "gb18030"}),
]
LEGACY_IDS = [f"{lang}-{codec}" for lang, codec, _, _ in LEGACY]


def html_page(lang: str, meta: str = "") -> str:
    title, first, second = TEXTS[lang]
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1><p>{first}</p><p>{second}</p>"
        "</article></body></html>"
    )


def text_dump(lang: str) -> str:
    title, first, second = TEXTS[lang]
    return f"{title}\n\n{first}\n\n{second}\n"


def assert_decoded(raw: bytes, lang: str, allowed: set[str], **kwargs: object) -> None:
    doc = clean(raw, **kwargs)  # type: ignore[arg-type]
    _, first, second = TEXTS[lang]
    assert first in doc.text and second in doc.text
    encoding = doc.meta["encoding"]
    assert encoding in allowed
    # the codec named is the one that reads these bytes as the page
    text, _ = decode(raw, declared=kwargs.get("charset"))  # type: ignore[arg-type]
    assert codecs.decode(raw, str(encoding)).removeprefix("\ufeff") == text


# --- legacy single- and multi-byte encodings -------------------------------------


@pytest.mark.parametrize(("lang", "codec", "label", "allowed"), LEGACY, ids=LEGACY_IDS)
def test_meta_charset(lang: str, codec: str, label: str, allowed: set[str]) -> None:
    raw = html_page(lang, f'<meta charset="{label}">').encode(codec)
    assert_decoded(raw, lang, allowed)


@pytest.mark.parametrize(("lang", "codec", "label", "allowed"), LEGACY, ids=LEGACY_IDS)
def test_http_equiv_content_type(lang: str, codec: str, label: str, allowed: set[str]) -> None:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={label}">'
    assert_decoded(html_page(lang, meta).encode(codec), lang, allowed)


@pytest.mark.parametrize(("lang", "codec", "label", "allowed"), LEGACY, ids=LEGACY_IDS)
def test_html_without_any_declaration_is_detected(
    lang: str, codec: str, label: str, allowed: set[str]
) -> None:
    assert_decoded(html_page(lang).encode(codec), lang, allowed)


@pytest.mark.parametrize(("lang", "codec", "label", "allowed"), LEGACY, ids=LEGACY_IDS)
def test_text_dump_without_any_declaration_is_detected(
    lang: str, codec: str, label: str, allowed: set[str]
) -> None:
    assert_decoded(text_dump(lang).encode(codec), lang, allowed, kind="text")


@pytest.mark.parametrize(("lang", "codec", "label", "allowed"), LEGACY, ids=LEGACY_IDS)
def test_charset_from_an_http_header(lang: str, codec: str, label: str, allowed: set[str]) -> None:
    assert_decoded(html_page(lang).encode(codec), lang, allowed, charset=label)
    assert_decoded(text_dump(lang).encode(codec), lang, allowed, charset=label, kind="text")


def test_http_header_wins_over_a_wrong_meta() -> None:
    raw = html_page("cs", '<meta charset="windows-1250">').encode("iso8859_2")
    assert_decoded(raw, "cs", {"iso8859-2"}, charset="iso-8859-2")


def test_iso_8859_2_and_windows_1250_are_told_apart() -> None:
    # the same Czech page in both: "š" is 0xB9 in one and 0x9A in the other
    for codec in ("iso8859_2", "cp1250"):
        doc = clean(text_dump("cs").encode(codec), kind="text")
        assert doc.meta["encoding"] == codec.replace("_", "-")
        assert "zjednodušit" in doc.text and "však" in doc.text


# --- no declaration, not UTF-8: windows-1252 unless detection is sure ---------------


# Latin-script pages whose every non-ASCII byte is a letter in windows-1252 too
# ("Nerį" reads "Nerá"): the browser default, unless the detector's reading is the
# better text, as it is for all but the French page (`inputs.fallback`).
LATIN = [
    ("fr", "cp1252", {"cp1252"}),
    ("lt", "cp1257", {"cp1257", "iso8859-13"}),
    ("lv", "cp1257", {"cp1257", "iso8859-13"}),
    ("et", "cp1257", {"cp1257", "iso8859-13"}),
    ("hu", "cp1250", {"cp1250", "iso8859-2"}),
    ("hr", "cp1250", {"cp1250"}),
    ("tr", "cp1254", {"cp1254"}),
]
LATIN_IDS = [f"{lang}-{codec}" for lang, codec, _ in LATIN]


@pytest.mark.parametrize(("lang", "codec", "allowed"), LATIN, ids=LATIN_IDS)
def test_latin_pages_without_a_declaration_keep_their_code_page(
    lang: str, codec: str, allowed: set[str]
) -> None:
    assert_decoded(html_page(lang).encode(codec), lang, allowed)
    assert_decoded(text_dump(lang).encode(codec), lang, allowed, kind="text")


@pytest.mark.parametrize("name", ["dumps/recipe_or_howto.txt", "syndication/html/site_a.html"])
def test_english_with_only_typographic_punctuation_is_windows_1252(name: str) -> None:
    # » ° … © or ’ “ ” are all these pages have beyond ASCII; detection alone read
    # them as Mac Roman, where "’" is "í" and "“" is "ì"
    text = (FIXTURES / name).read_text(encoding="utf-8").replace('<meta charset="utf-8">', "")
    assert "charset" not in text
    assert decode(text.encode("cp1252")) == (text, "cp1252")


# --- UTF-16 ----------------------------------------------------------------------


WIDE_LANGS = ["en", "ru", "ja", "zh", "el"]


@pytest.mark.parametrize("lang", WIDE_LANGS)
@pytest.mark.parametrize("order", ["le", "be"])
def test_utf16_with_a_bom_and_a_meta_charset(lang: str, order: str) -> None:
    bom = codecs.BOM_UTF16_LE if order == "le" else codecs.BOM_UTF16_BE
    raw = bom + html_page(lang, '<meta charset="utf-16">').encode(f"utf-16-{order}")
    assert_decoded(raw, lang, {f"utf-16-{order}"})


@pytest.mark.parametrize("lang", WIDE_LANGS)
@pytest.mark.parametrize("order", ["le", "be"])
def test_utf16_html_without_a_bom(lang: str, order: str) -> None:
    raw = html_page(lang).encode(f"utf-16-{order}")
    assert_decoded(raw, lang, {f"utf-16-{order}"})


@pytest.mark.parametrize("lang", WIDE_LANGS)
@pytest.mark.parametrize("order", ["le", "be"])
def test_utf16_text_without_a_bom_or_any_ascii(lang: str, order: str) -> None:
    # no markup: non-Latin text has no NUL bytes to show the byte order
    raw = text_dump(lang).encode(f"utf-16-{order}")
    assert_decoded(raw, lang, {f"utf-16-{order}"}, kind="text")


@pytest.mark.parametrize("lang", WIDE_LANGS)
@pytest.mark.parametrize(("label", "codec"), [("UTF-16", "utf-16-le"), ("utf-16le", "utf-16-le"),
                                              ("UTF-16BE", "utf-16-be")])
def test_utf16_from_an_http_header(lang: str, label: str, codec: str) -> None:
    raw = html_page(lang).encode(codec)
    assert_decoded(raw, lang, {codec}, charset=label)


def test_a_utf16_header_on_utf8_bytes_is_not_believed() -> None:
    raw = html_page("ru", '<meta charset="utf-8">').encode("utf-8")
    assert_decoded(raw, "ru", {"utf-8"}, charset="utf-16")


def test_euc_kr_is_not_mistaken_for_utf16() -> None:
    # EUC-KR read as UTF-16-BE is all Hangul syllables: plausible, and wrong
    korean = ("정부는 월요일 강을 가로지르는 새 다리를 내년 가을에 착공한다고 발표했다. "
              "담당자에 따르면 새 다리는 도심의 교통 체증을 줄이고 주민들의 출퇴근 시간을 "
              "단축할 것으로 기대된다. 인근 주민들은 공사 소음을 걱정하고 있다.")
    doc = clean(korean.encode("euc_kr"), kind="text")
    assert doc.meta["encoding"] in {"cp949", "euc_kr"}
    assert korean in doc.text


# --- UTF-8 with damage, and pages that lie ---------------------------------------


# French with its accents (valid UTF-8), plus stray bytes: 0xff 0xfe, a cut-off
# "€" (0xe2 0x82) and a lone continuation byte. A browser shows U+FFFD for each.
DAMAGED = (
    "Le café de la place a rouvert lundi après des mois de travaux. Les habitués ont "
    "retrouvé leur comptoir préféré, et le patron a promis que le crème resterait à deux "
    "euros jusqu’à l’été prochain."
)
BAD_BYTES = b" \xff\xfe prix \xe2\x82 \x80."


@pytest.mark.parametrize("meta", ["", '<meta charset="utf-8">'])
def test_utf8_with_stray_bytes_stays_utf8(meta: str) -> None:
    raw = (f"<html><head>{meta}<title>Le café rouvre</title></head><body><article><p>"
           f"{DAMAGED}").encode() + BAD_BYTES + b"</p></article></body></html>"
    doc = clean(raw)
    assert doc.meta["encoding"] == "utf-8"
    assert doc.text == DAMAGED + " \ufffd\ufffd prix \ufffd \ufffd."


@pytest.mark.parametrize("declared", ["meta", "header"])
def test_one_accent_and_one_stray_byte_is_utf8_when_declared(declared: str) -> None:
    # as much valid UTF-8 as broken: too little evidence on its own (detection
    # decides), but a UTF-8 declaration settles it, as in browsers
    meta = '<meta charset="utf-8">' if declared == "meta" else ""
    raw = (f"<html><head>{meta}</head><body><p>".encode()
           + "The café on the square reopened on Monday after months of repairs. ".encode()
           + b"Prices \xff are unchanged.</p></body></html>")
    doc = clean(raw, charset="utf-8" if declared == "header" else None)
    assert doc.meta["encoding"] == "utf-8"
    assert "The café on the square" in doc.text and "Prices \ufffd are" in doc.text


@pytest.mark.parametrize(("lang", "codec", "allowed"), [
    ("en", "cp1252", {"cp1252"}), ("zh", "gbk", {"gbk", "gb18030"}),
    ("ja", "euc_jp", {"euc_jp"}), ("ja", "shift_jis", {"cp932", "shift_jis"}),
])
def test_a_legacy_page_that_claims_utf8_is_still_read_right(
    lang: str, codec: str, allowed: set[str]
) -> None:
    raw = html_page(lang, '<meta charset="utf-8">').encode(codec)
    assert_decoded(raw, lang, allowed)
