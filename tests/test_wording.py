"""The evaluator's own sentences (interpreter/wording.py): the notice recognises each one it
writes, as that sentence and no other, and says it in Chinese."""
import re

import pytest

from policyrun import wording

SAMPLES = {"route": "mid_year", "rule": "N-2", "got": "2025, 2026", "asked": "2024", "policy": "nanning",
           "low": "2025", "high": "2030", "reason": "no source gives the 2031 standard",
           "question": "covered_on", "start": "2025-04-01", "end": "2025-03-31", "name": "standard",
           "key": "2031", "a": "2800", "b": "12"}


def fields(sentence):
    return {name: SAMPLES[name] for name in re.findall(r"\{(\w+)\}", sentence.english)}


@pytest.mark.parametrize("sentence", wording.SAID_IN_CHINESE, ids=lambda s: s.english[:40])
def test_each_sentence_is_recognised_as_itself_and_said_in_chinese(sentence):
    english = sentence(**fields(sentence))
    first = next(s for s in wording.SAID_IN_CHINESE if s.match(english))
    assert first is sentence          # the order of SAID_IN_CHINESE: the more specific first
    said = sentence.chinese(sentence.match(english), lambda inner: "〈" + inner + "〉")
    assert not re.search(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+", re.sub("〈[^〉]*〉", "", said)), said
    if "{reason}" in sentence.english:     # the policy's text it quotes is said in the notice's words
        assert "〈no source gives the 2031 standard〉" in said


def test_the_reason_of_other_years_is_recognised():
    english = wording.OTHER_YEARS(route="mid_year", got="2025", asked="2024, 2025")
    m = wording.OTHER_YEARS.match(english)
    assert (m["route"], m["got"], m["asked"]) == ("mid_year", "2025", "2024, 2025")
    assert wording.years_text("none") == "任何年度"
