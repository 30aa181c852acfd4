"""A coder that asks a council's own OpenAI-compatible chat endpoint (Azure OpenAI, vLLM, Ollama, llama.cpp).

Only redacted text is ever sent: :class:`ChatCoder` runs its ``redact`` function on every comment
itself, whatever the caller passed, and sends no demographics, ids or metadata (each comment goes
as a batch-local id "c1", "c2", ...). Answers are checked against the codeframe; a malformed or
unknown answer is retried once, then that comment is coded by the fallback (the built-in model)
with a note. Temperature is 0 and answers are cached by (text hash, prompt version, model), so a
re-run sends nothing and gives the same codes. A dead endpoint opens a circuit breaker: the rest of
the run goes to the fallback instead of waiting on timeouts.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests

from nlp.codeframe import Codeframe
from nlp.coders import AnswerError, CodedComment, Coder, Prompt, cache_key, parse_answer

logger = logging.getLogger(__name__)

RETRYABLE = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class ChatSettings:
    """How to reach the endpoint and how hard to push it (``[nlp.llm]`` in config.toml)."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 60.0
    max_batch: int = 20
    max_requests_per_minute: int = 60
    max_retries: int = 3
    max_backoff: float = 60.0
    breaker_failures: int = 3
    cost_per_1k_tokens: float = 0.0

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"[nlp.llm] base_url must start with http:// or https://, got {self.base_url!r}")
        if self.max_batch < 1 or self.max_requests_per_minute < 1 or self.timeout <= 0:
            raise ValueError("[nlp.llm] max_batch and max_requests_per_minute must be at least 1 and timeout "
                             f"above 0; got {self.max_batch}, {self.max_requests_per_minute}, {self.timeout}")

    @property
    def host(self) -> str:
        """The endpoint's host, as the audit log records it (never the content)."""
        return urlsplit(self.base_url).netloc


@dataclass(frozen=True)
class BatchSent:
    """One request to the endpoint, for the audit log: counts, host and time, never content."""

    n_comments: int
    host: str
    sent_at: datetime
    status: str
    n_tokens: int


@dataclass(frozen=True)
class Progress:
    """How far a run has got, for a terminal progress line."""

    done: int
    total: int
    n_tokens: int
    tokens_per_second: float
    estimated_cost: float


class EndpointError(RuntimeError):
    """The endpoint could not give a usable answer after the allowed retries."""


@dataclass
class _Run:
    total: int
    started: float
    done: int = 0
    tokens: int = 0
    failures_in_row: int = 0
    notes: dict[int, str] = field(default_factory=dict)


class ChatCoder:
    """Code redacted comments with a configured chat-completions endpoint; see the module docstring."""

    name = "chat"

    def __init__(
        self,
        settings: ChatSettings,
        codeframe: Codeframe,
        *,
        fallback: Coder,
        redact: Callable[[str], str],
        cache: MutableMapping[str, str] | None = None,
        on_batch: Callable[[BatchSent], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.codeframe = codeframe
        self.prompt = Prompt.load(codeframe)
        self.fallback = fallback
        self.redact = redact
        self.cache = cache if cache is not None else {}
        self.on_batch = on_batch
        self.on_progress = on_progress
        self.session = session or requests.Session()
        self.sleep = sleep
        self.clock = clock
        self._last_request = -1e9

    def code(self, texts: Sequence[str]) -> list[CodedComment]:
        """Code ``texts``: cached answers first, then the endpoint in batches, the fallback for the rest."""
        safe = [self.redact(text) for text in texts]
        answers: dict[int, CodedComment] = {}
        todo = []
        for index, text in enumerate(safe):
            cached = self.cache.get(cache_key(text, self.prompt.version, self.settings.model))
            if cached is not None:
                topics, reason = json.loads(cached)
                answers[index] = self._coded(topics, reason, note="cached answer")
            else:
                todo.append(index)
        run = _Run(total=len(todo), started=self.clock())
        step = self.settings.max_batch
        for start in range(0, len(todo), step):
            batch = todo[start:start + step]
            if run.failures_in_row >= self.settings.breaker_failures:
                for index in batch:
                    run.notes[index] = ("endpoint gave up after repeated failures "
                                        "(circuit open); built-in model used")
                continue
            answers.update(self._code_batch(batch, safe, run))
            run.done += len(batch)
            self._report_progress(run)
        missing = [index for index in range(len(safe)) if index not in answers]
        if missing:
            fallback = self.fallback.code([safe[index] for index in missing])
            for index, coded in zip(missing, fallback, strict=True):
                note = run.notes.get(index, "no valid answer from the endpoint; built-in model used")
                answers[index] = CodedComment(coded.topics, coded.reason, coded.coder, coded.model,
                                              coded.prompt_version, coded.codeframe_version, note)
        return [answers[index] for index in range(len(safe))]

    def _code_batch(self, batch: list[int], safe: list[str], run: _Run) -> dict[int, CodedComment]:
        """Send one batch (and once more for the comments whose answers were unusable)."""
        result: dict[int, CodedComment] = {}
        pending = list(batch)
        for attempt in range(2):
            local = {f"c{n + 1}": index for n, index in enumerate(pending)}
            try:
                content = self._request([{"id": key, "text": safe[index]} for key, index in local.items()], run)
            except EndpointError as error:
                run.failures_in_row += 1
                for index in pending:
                    run.notes[index] = f"endpoint failed ({error}); built-in model used"
                return result
            run.failures_in_row = 0
            try:
                valid = parse_answer(content, list(local), self.codeframe)
            except AnswerError as error:
                valid = {}
                reason = f"malformed answer ({error})"
            else:
                reason = "answer missing or with topic ids not in the codeframe"
            fresh = {}
            for key, (topics, why) in valid.items():
                index = local[key]
                result[index] = self._coded(topics, why)
                fresh[cache_key(safe[index], self.prompt.version, self.settings.model)] = json.dumps([topics, why])
            if fresh:
                self.cache.update(fresh)
            pending = [index for key, index in local.items() if key not in valid]
            for index in pending:
                run.notes[index] = f"{reason}{' after one retry' if attempt else ''}; built-in model used"
            if not pending:
                break
        return result

    def _request(self, comments: list[dict[str, str]], run: _Run) -> str:
        """POST one chat completion, with spacing, bounded retries and backoff; return the content."""
        body = {
            "model": self.settings.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": self.prompt.system},
                {"role": "user", "content": json.dumps(comments, ensure_ascii=False)},
            ],
        }
        headers = {"Content-Type": "application/json"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
            headers["api-key"] = self.settings.api_key  # Azure OpenAI reads this header instead
        url = self.settings.base_url.rstrip("/") + "/chat/completions"
        last = "no attempt made"
        for attempt in range(self.settings.max_retries + 1):
            self._wait_for_slot()
            status, wait = "error", 0.0
            try:
                response = self.session.post(url, json=body, headers=headers, timeout=self.settings.timeout)
            except requests.RequestException as error:
                last = f"{type(error).__name__} from {self.settings.host}"
                wait = self._backoff(attempt)
            else:
                status = str(response.status_code)
                if response.status_code == 200:
                    return self._content(response, len(comments), run)
                last = f"HTTP {response.status_code} from {self.settings.host}"
                if response.status_code not in RETRYABLE:
                    self._audit(len(comments), status, 0)
                    raise EndpointError(last)
                wait = self._retry_after(response, attempt)
            self._audit(len(comments), status, 0)
            if attempt < self.settings.max_retries:
                logger.warning("chat coder: %s; retrying in %.1f s", last, wait)
                self.sleep(wait)
        raise EndpointError(f"{last} after {self.settings.max_retries + 1} attempts")

    def _content(self, response: requests.Response, n_comments: int, run: _Run) -> str:
        try:
            data = response.json()
            content = data["choices"][0]["message"]["content"]
            tokens = int((data.get("usage") or {}).get("total_tokens") or 0)
        except (ValueError, KeyError, IndexError, TypeError):
            self._audit(n_comments, "200 unreadable", 0)
            return ""
        run.tokens += tokens
        self._audit(n_comments, "200", tokens)
        return content if isinstance(content, str) else ""

    def _wait_for_slot(self) -> None:
        gap = 60.0 / self.settings.max_requests_per_minute
        wait = self._last_request + gap - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._last_request = self.clock()

    def _backoff(self, attempt: int) -> float:
        return min(self.settings.max_backoff, 0.5 * 2 ** attempt)

    def _retry_after(self, response: requests.Response, attempt: int) -> float:
        value = response.headers.get("Retry-After", "")
        try:
            return min(self.settings.max_backoff, max(0.0, float(value)))
        except ValueError:
            return self._backoff(attempt)

    def _audit(self, n_comments: int, status: str, tokens: int) -> None:
        if self.on_batch is not None:
            self.on_batch(BatchSent(n_comments, self.settings.host, datetime.now(UTC), status, tokens))

    def _report_progress(self, run: _Run) -> None:
        if self.on_progress is None:
            return
        elapsed = max(self.clock() - run.started, 1e-9)
        cost = run.tokens / 1000 * self.settings.cost_per_1k_tokens
        self.on_progress(Progress(run.done, run.total, run.tokens, run.tokens / elapsed, cost))

    def _coded(self, topics: Sequence[str], reason: str, note: str = "") -> CodedComment:
        return CodedComment(tuple(topics), reason, self.name, self.settings.model, self.prompt.version,
                            self.codeframe.version, note)
