"""HTTP connector: paginated JSON APIs (survey platforms, QR-feedback vendors) into raw records.

Pagination by page number, by a cursor in the body, or by a ``Link: <...>; rel="next"`` header;
a token in a header; connect and read timeouts; bounded retries with backoff on connection
errors, timeouts, 429 and 5xx (honouring ``Retry-After`` up to a cap); incremental pulls from a
stored cursor or timestamp. Every failure names the source and the URL.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from ingest.columns import plain_text, plain_value
from ingest.errors import MappingError, SourceUnavailable
from ingest.mapping import read_value
from ingest.records import RawRecord

logger = logging.getLogger(__name__)

PAGINATIONS = ("page", "cursor", "link", "none")


@dataclass(frozen=True)
class RestOptions:
    """How to page through one API (the ``[sources.KEY.rest]`` table of ``config.toml``)."""

    records_path: str = "data"
    pagination: str = "page"
    page_param: str = "page"
    first_page: int = 1
    page_size_param: str = "per_page"
    page_size: int = 100
    cursor_param: str = "cursor"
    next_cursor_path: str = "next_cursor"
    since_param: str = ""
    since_field: str = ""
    auth_header: str = "Authorization"
    auth_scheme: str = "Bearer"
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retries: int = 4
    backoff: float = 1.0
    max_wait: float = 60.0
    max_pages: int = 100_000

    def __post_init__(self) -> None:
        if self.pagination not in PAGINATIONS:
            raise ValueError(f"pagination {self.pagination!r}: expected one of {', '.join(PAGINATIONS)}")
        if self.max_retries < 0 or self.page_size < 1 or self.max_pages < 1:
            raise ValueError("max_retries must be 0 or more, page_size and max_pages 1 or more")
        if bool(self.since_param) != bool(self.since_field):
            raise ValueError("since_param and since_field go together: set both or neither")


class RestReader:
    """Pull every record after ``cursor`` from one API; iterate :meth:`records`, then read :attr:`cursor`.

    Parameters
    ----------
    source
        The source's key, named in every message.
    url
        The first page.
    options
        Paging, timeouts and retries.
    id_field
        The field (or dotted path) holding each record's own id.
    token
        The API token or key, or ``None`` when the API is open.
    token_name
        Where the token came from (an environment variable), for messages.
    cursor
        Where the last successful pull ended: a cursor or a timestamp, or ``None`` for everything.
    http
        A ``requests.Session`` (one is made when ``None``).
    sleep
        Called with the seconds to wait before a retry (``time.sleep``; tests pass their own).
    """

    def __init__(self, source: str, url: str, options: RestOptions, id_field: str, token: str | None = None,
                 token_name: str = "", cursor: str | None = None, http: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.source, self.url, self.options, self.id_field = source, url, options, id_field
        self.token, self.token_name, self.cursor = token, token_name, cursor
        self.http = http or requests.Session()
        self.sleep = sleep
        self.n_pages = 0
        self.waits: list[float] = []

    def records(self) -> Iterator[RawRecord]:
        """Yield the records page by page; :attr:`cursor` moves on as pages are read.

        Raises
        ------
        SourceUnavailable
            The API cannot be read (refused, HTML, empty body, timeouts or errors after every retry).
        MappingError
            A page has no list at ``records_path``.
        """
        options = self.options
        url: str | None = self.url
        params = self._first_params()
        newest = self.cursor if options.since_field else None
        seen_cursors: set[str] = set()
        while url is not None:
            if self.n_pages >= options.max_pages:
                raise SourceUnavailable(f"source {self.source!r}: {url} still has pages after {options.max_pages}; "
                                        "raise max_pages or check that the API stops paging")
            response = self._get(url, params)
            body = self._json(response, url)
            items = self._items(body, url)
            self.n_pages += 1
            for index, item in enumerate(items):
                record = self._record(item, url, index)
                if options.since_field:
                    stamp = plain_text(read_value(item, options.since_field))
                    newest = max(newest or stamp, stamp) if stamp else newest
                yield record
            url, params = self._next(url, params, response, body, items, seen_cursors)
        if options.since_field:
            self.cursor = newest

    def _first_params(self) -> dict[str, Any]:
        options = self.options
        params: dict[str, Any] = {}
        if options.pagination == "page":
            params[options.page_param] = options.first_page
        if options.pagination in ("page", "cursor") and options.page_size_param:
            params[options.page_size_param] = options.page_size
        if self.cursor and options.since_param:
            params[options.since_param] = self.cursor
        elif self.cursor and options.pagination == "cursor":
            params[options.cursor_param] = self.cursor
        return params

    def _next(self, url: str, params: dict[str, Any], response: requests.Response, body: Any, items: list[Any],
              seen: set[str]) -> tuple[str | None, dict[str, Any]]:
        options = self.options
        if options.pagination == "none" or not items:
            return None, params
        if options.pagination == "page":
            return url, {**params, options.page_param: int(params[options.page_param]) + 1}
        if options.pagination == "link":
            link = response.links.get("next", {}).get("url")
            return (link, {}) if link else (None, params)
        cursor = plain_text(read_value(body, options.next_cursor_path)) if isinstance(body, dict) else ""
        if not cursor:
            return None, params
        if cursor in seen:
            raise SourceUnavailable(f"source {self.source!r}: {url} gave the cursor {cursor!r} twice; "
                                    "the API is not moving on, so the pull stopped")
        seen.add(cursor)
        if not options.since_field:
            self.cursor = cursor
        return url, {**params, options.cursor_param: cursor}

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.token:
            scheme = self.options.auth_scheme
            headers[self.options.auth_header] = f"{scheme} {self.token}" if scheme else self.token
        return headers

    def _get(self, url: str, params: dict[str, Any]) -> requests.Response:
        options = self.options
        timeout = (options.connect_timeout, options.read_timeout)
        problem = ""
        retry_after: float | None = None
        for attempt in range(options.max_retries + 1):
            if attempt:
                self._wait(attempt, retry_after)
            retry_after = None
            try:
                response = self.http.get(url, params=params, headers=self._headers(), timeout=timeout)
            except requests.ReadTimeout:
                problem = f"no answer within the read timeout of {options.read_timeout:g} s"
                continue
            except (requests.ConnectionError, requests.Timeout) as error:
                problem = f"could not connect ({type(error).__name__})"
                continue
            if response.status_code in (401, 403):
                hint = f" in the environment variable {self.token_name}" if self.token_name else ""
                raise SourceUnavailable(f"source {self.source!r}: {response.url} refused the request with HTTP "
                                        f"{response.status_code}; check the API token{hint}")
            if response.status_code == 429 or response.status_code >= 500:
                problem = f"HTTP {response.status_code}"
                retry_after = _retry_after(response.headers.get("Retry-After"))
                continue
            if response.status_code >= 400:
                raise SourceUnavailable(f"source {self.source!r}: {response.url} answered HTTP {response.status_code}; "
                                        "check the url and parameters in config.toml")
            return response
        raise SourceUnavailable(f"source {self.source!r}: {url} failed on all {options.max_retries + 1} attempts "
                                f"(last: {problem}); try again later or raise max_retries")

    def _wait(self, attempt: int, retry_after: float | None) -> None:
        options = self.options
        wait = retry_after if retry_after is not None else options.backoff * 2 ** (attempt - 1)
        wait = min(max(wait, 0.0), options.max_wait)
        self.waits.append(wait)
        logger.info("source %s: retry %d in %.1f s", self.source, attempt, wait)
        self.sleep(wait)

    def _json(self, response: requests.Response, url: str) -> Any:
        kind = response.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
        text = response.text
        if not text.strip():
            raise SourceUnavailable(f"source {self.source!r}: {response.url} answered with an empty body "
                                    f"(HTTP {response.status_code}); expected a JSON page")
        if "html" in kind or text.lstrip()[:1] == "<":
            raise SourceUnavailable(f"source {self.source!r}: {response.url} answered with {kind} "
                                    f"({text.strip()[:40]!r}...), not JSON; check the url (a sign-in or error page?)")
        try:
            return json.loads(text)
        except ValueError as error:
            raise SourceUnavailable(f"source {self.source!r}: {response.url} did not answer with valid JSON "
                                    f"({error}); expected a JSON page") from None

    def _items(self, body: Any, url: str) -> list[Any]:
        path = self.options.records_path
        items = body if not path else (read_value(body, path) if isinstance(body, dict) else None)
        if items is None and isinstance(body, dict) and path in body:
            items = []  # an explicit null or empty value: no records on this page
        if not isinstance(items, list):
            found = ", ".join(repr(k) for k in body) if isinstance(body, dict) else type(body).__name__
            raise MappingError(f"source {self.source!r}: {url} has no list of records at {path!r}; "
                               f"found {found}. Fix records_path in [sources.{self.source}.rest]")
        return items

    def _record(self, item: Any, url: str, index: int) -> RawRecord:
        location = f"{url} page {self.n_pages} record {index + 1}"
        if not isinstance(item, dict):
            return RawRecord(external_id="", data={"_value": plain_value(item)}, location=location)
        return RawRecord(external_id=plain_text(read_value(item, self.id_field)), data=item, location=location)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
