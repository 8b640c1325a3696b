"""Keyless downloads of result videos, and reachability checks of input links.

This client never holds the API key, so following a redirect to a CDN cannot
leak it (httpx keeps custom headers such as x-api-key on cross-origin redirects).
Downloads go to `<name>.part`, resume with Range after a dropped connection,
check the length, then fsync and rename into place.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from app.api.errors import ErrorKind, SegmindError
from app.api.failures import error_for_exception
from app.api.retry import Backoff, parse_reset_time
from app.api.urls import require_public_url, safe_scheme, short

_MIN_BPS = 20_000  # slowest transfer tolerated before the total timeout gives up
_RETRYABLE = (ErrorKind.network, ErrorKind.server, ErrorKind.rate_limited)
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)


class _Restart(Exception):
    """The partial file cannot be continued: start again from byte zero."""


class Downloader:
    """Keyless HTTP client for result videos and input links; follows redirects."""

    def __init__(
        self,
        *,
        timeout: float = 60.0,
        retry_base: float = 1.0,
        retry_cap: float = 30.0,
        retry_deadline: float = 600.0,
        on_retry: Callable[[ErrorKind, int, float], object] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.timeout = timeout
        self.retry_deadline = retry_deadline
        self.on_retry = on_retry
        self._backoff = Backoff(retry_base, retry_cap)
        self._http = httpx.AsyncClient(
            follow_redirects=True,
            max_redirects=5,
            trust_env=True,
            timeout=httpx.Timeout(timeout),
            headers={"user-agent": "s2v-studio", "accept-encoding": "identity"},
            event_hooks={"request": [self._check_hop]},
            transport=transport,  # tests only
        )

    def __repr__(self) -> str:
        return f"Downloader(timeout={self.timeout})"

    async def __aenter__(self) -> Downloader:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _check_hop(self, request: httpx.Request) -> None:
        # Every hop, redirects included: never plain http off this machine, never a key.
        request.headers.pop("x-api-key", None)
        if not safe_scheme(request.url):
            raise SegmindError(
                ErrorKind.malformed,
                f"The video link redirected to plain http ({short(request.url)}); refused.",
            )

    # downloads -------------------------------------------------------------------
    async def download(
        self,
        url: str,
        dest: Path,
        progress: Callable[[int, int | None], object] | None = None,
        expected_size: int | None = None,
    ) -> Path:
        """Fetch `url` into `dest` atomically; resumes a `.part` left by an earlier try."""
        require_public_url(url, "video link", ErrorKind.malformed)
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        started, attempt = time.monotonic(), 0
        while True:
            before = _size(part)
            try:
                await self._fetch(url, part, progress, expected_size)
                break
            except _Restart:
                part.unlink(missing_ok=True)
                continue
            except SegmindError as err:
                if err.kind not in _RETRYABLE:
                    part.unlink(missing_ok=True)
                    raise
                attempt = 0 if _size(part) > before else attempt  # progress: keep going
                delay = self._backoff.delay(attempt, err.retry_at)
                if time.monotonic() - started + delay > self.retry_deadline:
                    raise
                attempt += 1
                if self.on_retry is not None:
                    self.on_retry(err.kind, attempt, delay)
                await asyncio.sleep(delay)
        await asyncio.to_thread(_commit, part, dest)
        return dest

    async def _fetch(self, url, part: Path, progress, expected: int | None) -> None:
        have = _size(part)
        headers = {"range": f"bytes={have}-"} if have else {}
        host = httpx.URL(url).host
        try:
            async with asyncio.timeout(self.timeout) as limit:
                async with self._http.stream("GET", url, headers=headers) as resp:
                    total = self._check_answer(resp, have, expected)
                    if resp.status_code == 416:
                        return
                    if resp.status_code == 200:
                        have = 0  # the server ignored Range: start over
                    remaining = (total or expected or 0) - have
                    limit.reschedule(
                        asyncio.get_running_loop().time() + self.timeout + remaining / _MIN_BPS
                    )
                    with part.open("ab" if have else "wb") as out:
                        async for chunk in resp.aiter_raw():
                            out.write(chunk)
                            have += len(chunk)
                            if progress is not None:
                                progress(have, total)
        except (SegmindError, _Restart):
            raise
        except (httpx.TransportError, TimeoutError) as exc:
            raise error_for_exception(exc, "download", host) from None
        except httpx.HTTPError as exc:
            raise SegmindError(
                ErrorKind.malformed, f"Downloading the video failed ({type(exc).__name__})."
            ) from None
        if total is not None and have < total:
            raise SegmindError(ErrorKind.network, "The video download was cut short.", sent=True)
        if total is not None and have > total:
            raise _Restart()
        if total is None and expected and have != expected:
            raise SegmindError(
                ErrorKind.network if have < expected else ErrorKind.malformed,
                f"The video has {have} bytes, {expected} were announced.",
            )

    def _check_answer(self, resp: httpx.Response, have: int, expected: int | None) -> int | None:
        """The full size of the file, from Content-Range or Content-Length."""
        code = resp.status_code
        if code == 206:
            match = _CONTENT_RANGE.match(resp.headers.get("content-range", ""))
            if not match or int(match.group(1)) != have:
                raise _Restart()
            total = None if match.group(3) == "*" else int(match.group(3))
        elif code == 200:
            length = resp.headers.get("content-length", "")
            total = int(length) if length.isdigit() else None
        elif code == 416 and have:
            whole = re.fullmatch(r"bytes\s+\*/(\d+)", resp.headers.get("content-range", "").strip())
            if whole and int(whole.group(1)) == have:
                return have  # an earlier try got every byte; nothing left to fetch
            raise _Restart()  # the file on the server changed
        else:
            raise _download_error(resp)
        if total is not None and expected and total != expected:
            raise SegmindError(
                ErrorKind.malformed,
                f"The video is {total} bytes, but Segmind announced {expected}.",
            )
        return total

    # input links -------------------------------------------------------------------
    async def probe_url(self, url: str, expect: str | None = None) -> tuple[str | None, int | None]:
        """(content type, size or None) of a public link, checking that it answers.

        `expect` ("image" or "audio") also checks the type. Raises invalid_input
        naming the URL and the fix when the link is unusable.
        """
        require_public_url(url, "link", ErrorKind.invalid_input)
        try:
            async with asyncio.timeout(self.timeout):
                resp = await self._http.head(url)
                if resp.status_code >= 400 or not resp.headers.get("content-type"):
                    async with self._http.stream("GET", url, headers={"range": "bytes=0-0"}) as got:
                        resp = got
        except SegmindError as err:
            err.kind = ErrorKind.invalid_input
            raise
        except (httpx.HTTPError, TimeoutError) as exc:
            raise SegmindError(
                ErrorKind.invalid_input,
                f"Could not reach {short(url)} ({type(exc).__name__}).",
                next_step="Check the link opens without a login, or use a local file.",
            ) from None
        if not 200 <= resp.status_code < 300:
            raise SegmindError(
                ErrorKind.invalid_input,
                f"The link {short(url)} answered HTTP {resp.status_code}.",
                next_step="Use a public link (it must open without logging in), or a local file.",
            )
        ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower() or None
        size = _size_from(resp)
        if expect and ctype and not ctype.startswith(expect + "/"):
            article = "an" if expect[0] in "aeiou" else "a"
            raise SegmindError(
                ErrorKind.invalid_input,
                f"The link {short(url)} is {ctype}, not {article} {expect}.",
                next_step=f"Use a link to the {expect} file itself, not a web page about it.",
            )
        return ctype, size


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _size_from(resp: httpx.Response) -> int | None:
    match = _CONTENT_RANGE.match(resp.headers.get("content-range", ""))
    if resp.status_code == 206 and match and match.group(3) != "*":
        return int(match.group(3))
    length = resp.headers.get("content-length", "")
    return int(length) if resp.status_code == 200 and length.isdigit() else None


def _download_error(resp: httpx.Response) -> SegmindError:
    code = resp.status_code
    if code in (403, 404, 410):
        return SegmindError(
            ErrorKind.expired,
            f"The video is no longer available (HTTP {code}); Segmind keeps results about 7 days.",
            status=code,
        )
    if code == 429:
        return SegmindError(
            ErrorKind.rate_limited,
            "The video server asked to slow down.",
            status=code,
            retry_at=parse_reset_time(resp.headers),
        )
    if code >= 500:
        return SegmindError(
            ErrorKind.server, f"The video server had a problem ({code}).", status=code
        )
    return SegmindError(ErrorKind.malformed, f"The video server answered HTTP {code}.", status=code)


def _commit(part: Path, dest: Path) -> None:
    """fsync the finished part file and rename it into place; then fsync the folder."""
    with part.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(part, dest)
    try:
        fd = os.open(dest.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
