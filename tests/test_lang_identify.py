"""The language of a record: an ISO 639-1 code with a confidence, None when unsure."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, load_expected, read_jsonl

from cleaner import clean
from cleaner.cli import main
from cleaner.lang.identify import MIN_CONFIDENCE, identify

DUMPS = FIXTURES / "dumps"
GERMAN = " ".join(load_expected(DUMPS)["german_article.txt"]["paragraphs"])


@pytest.mark.parametrize("name", sorted(load_expected(DUMPS)))
def test_every_language_fixture_gets_its_code(name: str) -> None:
    want = load_expected(DUMPS)[name]["language"]  # written by hand with the fixture
    doc = clean((DUMPS / name).read_bytes())
    assert doc.language == want
    assert doc.language_confidence is not None and doc.language_confidence >= MIN_CONFIDENCE


def test_one_english_sentence_is_english_not_danish() -> None:
    # the stop-word guess read this as Danish (the example)
    found = identify("The cat sat on the mat and looked at the dog.")
    assert found.code == "en" and found.confidence is not None and found.confidence > 0.9


@pytest.mark.parametrize("text", ['{"a": 1, "b": [2, 3], "key": "value"}', "Hello", "",
                                  "12 34 56 78 90"])
def test_text_that_says_no_language_is_unsure(text: str) -> None:
    found = identify(text)
    assert found.code is None and found.confidence is None


def test_the_declaration_decides_when_the_text_cannot() -> None:
    assert identify("", declared="fr-CA").code == "fr"
    assert identify("OK", declared="pt_BR").code == "pt"
    assert identify("", declared="iw").code == "he"  # the old tag for Hebrew


def test_a_long_text_outweighs_a_wrong_declaration() -> None:
    # a site template that says lang="en" on its German articles
    found = identify(GERMAN, declared="en")
    assert found.code == "de" and found.confidence is not None and found.confidence > 0.99


def test_an_unknown_declared_tag_is_no_evidence() -> None:
    assert identify("", declared="xx").code is None
    assert identify(GERMAN, declared="xx").code == "de"


def test_html_page_language_in_the_record(tmp_path) -> None:
    page = ('<html lang="pt-BR"><head><title>Chuva forte em Lisboa</title></head><body>'
            "<article><h1>Chuva forte em Lisboa</h1>"
            + "<p>A chuva forte que caiu durante a noite deixou várias ruas da cidade "
              "alagadas e obrigou os bombeiros a intervir em dezenas de casas.</p>" * 4
            + "</article></body></html>")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.html").write_text(page, encoding="utf-8")
    result = CliRunner().invoke(main, ["clean", str(tmp_path / "in"), "-o",
                                       str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    [record] = read_jsonl(tmp_path / "out" / "documents.jsonl")
    assert record["language"] == "pt"
    assert isinstance(record["language_confidence"], float)
    assert MIN_CONFIDENCE <= record["language_confidence"] <= 1.0
    json.dumps(record, allow_nan=False)


def test_the_cached_model_answers_as_the_shipped_one(tmp_path, monkeypatch) -> None:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from cleaner.lang import identify as module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    module._identifier.cache_clear()
    try:
        cached = module._identifier()  # unpacks into tmp_path, then reads that back
        [path] = (tmp_path / "cleaner").glob("langid-model-*.npz")
        path.write_bytes(b"not a model")  # a damaged cache is rebuilt, not trusted
        module._identifier.cache_clear()
        rebuilt = module._identifier()
        shipped = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        for text in ("The cat sat on the mat.", GERMAN[:500], "Хорошая погода", "12 34"):
            assert cached.rank(text) == shipped.rank(text) == rebuilt.rank(text)
    finally:
        module._identifier.cache_clear()
