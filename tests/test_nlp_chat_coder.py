"""The chat coder against a stand-in OpenAI-compatible server on 127.0.0.1 (no internet, no mocks)."""

from __future__ import annotations

import json

import pytest

from nlp import (
    BuiltinCoder,
    ChatCoder,
    ChatSettings,
    JsonFileCache,
    KeywordClassifier,
    load_codeframe,
    redact,
)
from tests.chat_server import ChatServer

PLANTED = [
    "my name is Lily Evans call me on 07700 900123 about the drug dealing",
    "email jane.doe@example.com, the cctv on Station Road never works",
    "Ask for Mohammed at 22 Acacia Avenue, police never patrol here",
]


@pytest.fixture
def server():
    stand_in = ChatServer()
    yield stand_in
    stand_in.close()


def make_coder(server, **settings):
    codeframe = load_codeframe()
    fallback = BuiltinCoder(KeywordClassifier().fit(), codeframe)
    sent = []
    options = {"max_batch": 2, "max_requests_per_minute": 6000, "timeout": 5.0, "max_backoff": 0.1} | settings
    coder = ChatCoder(ChatSettings(base_url=server.url, model="stand-in-1", **options), codeframe,
                      fallback=fallback, redact=lambda text: redact(text).text, on_batch=sent.append,
                      cache={})
    return coder, sent


def test_chat_coder_codes_each_comment_with_its_provenance(server):
    coder, sent = make_coder(server)
    coded = coder.code(["More police patrols at night please", "the street light is broken", "cameras and drugs"])
    assert [c.topics for c in coded] == [("police_presence",), ("street_lighting",), ("cctv", "drugs")]
    assert {c.coder for c in coded} == {"chat"}
    assert {c.model for c in coded} == {"stand-in-1"}
    assert all(c.prompt_version.startswith("coder-v1+") and c.codeframe_version for c in coded)
    body = server.bodies[0]
    assert body["temperature"] == 0 and body["model"] == "stand-in-1"
    assert "police_presence" in body["messages"][0]["content"]  # the codeframe goes with the batch
    assert [b.n_comments for b in sent] == [2, 1] and {b.host for b in sent} == {server.url.split("/")[2]}


def test_chat_coder_never_sends_planted_personal_details(server):
    coder, _ = make_coder(server)
    coder.code(PLANTED)
    sent = " ".join(server.sent_texts())
    for detail in ("Lily", "Evans", "07700", "900123", "jane.doe", "example.com", "Mohammed", "22 Acacia"):
        assert detail not in sent
    assert "[phone]" in sent and "[email]" in sent
    assert all("age" not in json.loads(b["messages"][-1]["content"])[0] for b in server.bodies)


def test_chat_coder_rerun_is_answered_from_the_cache(server, tmp_path):
    coder, _ = make_coder(server)
    coder.cache = JsonFileCache(tmp_path / "answers.json")
    first = coder.code(["More police please", "drug dealing in the park"])
    n_requests = len(server.bodies)
    again, _ = make_coder(server)
    again.cache = JsonFileCache(tmp_path / "answers.json")
    second = again.code(["More police please", "drug dealing in the park"])
    assert len(server.bodies) == n_requests
    assert [c.topics for c in second] == [c.topics for c in first]
    assert {c.note for c in second} == {"cached answer"}


def test_chat_coder_honours_retry_after_and_retries_server_errors(server):
    server.failures = ["429", "500"]
    waits = []
    coder, sent = make_coder(server)
    coder.sleep = waits.append
    coded = coder.code(["police please"])
    assert coded[0].topics == ("police_presence",) and coded[0].coder == "chat"
    assert [b.status for b in sent] == ["429", "500", "200"]
    assert 0.05 in waits


def test_malformed_answer_is_retried_once_then_left_to_the_builtin_model(server):
    server.failures = ["malformed"]
    coder, _ = make_coder(server)
    assert coder.code(["police please"])[0].coder == "chat"  # the retry succeeded
    server.failures = ["malformed", "malformed"]
    coded = coder.code(["drug dealing on the corner"])[0]
    assert coded.coder == "builtin"
    assert "malformed answer" in coded.note and "after one retry" in coded.note


def test_unknown_topic_ids_are_rejected(server):
    server.failures = ["unknown", "unknown"]
    coder, _ = make_coder(server)
    coded = coder.code(["something about the youth club"])[0]
    assert coded.coder == "builtin" and "not in the codeframe" in coded.note
    assert "made_up_topic" not in coded.topics


def test_dead_endpoint_opens_the_breaker_and_the_builtin_model_codes_the_rest(server):
    server.failures = ["500"] * 100
    coder, sent = make_coder(server, max_retries=1, breaker_failures=2)
    coder.sleep = lambda seconds: None
    coded = coder.code([f"police comment {n}" for n in range(10)])
    assert {c.coder for c in coded} == {"builtin"}
    assert len(sent) == 4  # two batches of two attempts each, then the circuit is open
    assert "circuit open" in coded[-1].note and "HTTP 500" in coded[0].note


def test_slow_endpoint_times_out_and_degrades(server):
    server.failures = ["slow", "slow"]
    coder, _ = make_coder(server, timeout=0.3, max_retries=1)
    coder.sleep = lambda seconds: None
    coded = coder.code(["police please"])[0]
    assert coded.coder == "builtin" and "ReadTimeout" in coded.note


def test_settings_refuse_a_base_url_without_a_scheme():
    with pytest.raises(ValueError, match="base_url must start with http"):
        ChatSettings(base_url="llm.council.local/v1", model="m")


def test_compare_coders_scores_each_topic_with_its_n_and_an_interval():
    from nlp import compare_coders

    gold = [["drugs"], ["drugs", "cctv"], ["cctv"], ["other"]] * 5
    perfect = [list(g) for g in gold]
    noisy = [["drugs"], ["drugs"], ["drugs"], ["other"]] * 5
    ours, theirs = compare_coders(gold, {"a": perfect, "b": noisy}, ["cctv", "drugs", "other", "youth_provision"])
    assert ours.macro_f1 == 1.0 and ours.macro_lower == 1.0
    by_topic = {s.topic: s for s in theirs.per_topic}
    assert set(by_topic) == {"cctv", "drugs", "other"}  # a topic no reviewer used is left out
    assert by_topic["cctv"].f1 == 0.0 and by_topic["cctv"].n_positive == 10
    assert 0 < by_topic["drugs"].lower <= by_topic["drugs"].f1 <= by_topic["drugs"].upper <= 1
    assert "n = 20 reviewed comments" in theirs.to_text()
