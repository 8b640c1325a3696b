"""The API origin: submit, status, result, credits, upload-asset, request history, /cdn, /_sim."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import parse_qsl, unquote, urlsplit

from app.sim import admin, history
from app.sim.assets import BadDataUrl, decode_data_url
from app.sim.http_common import SimHandler
from app.sim.media import is_wav
from app.sim.options import PRICES
from app.sim.state import Job

MODEL_PATH = "/v2/higgsfield-speech2video"
STATUS = re.compile(r"^/v2/requests/(?P<id>[^/]+)/status/?$")
RESULT = re.compile(r"^/v[12]/requests/(?P<id>[^/]+)/?$")
CDN = re.compile(r"^/cdn/(?P<id>[^/]+)\.mp4$")
HISTORY_PATH = "/inference-request/request-history"
HISTORY_ONE = re.compile(r"^/inference-request/request-history/(?P<id>[^/]+)/?$")
DEFAULT_PROMPT = (
    "Generate a captivating avatar video with fluent dialogue and lively facial gestures."
)


class ApiHandler(SimHandler):
    """Answers the Segmind API as docs/segmind-api.md describes it."""

    def do_GET(self):
        self.begin()
        path = self.route
        if path.startswith("/_sim/"):
            return admin.handle(self, "GET", path)
        if m := STATUS.match(path):
            return self.keyed("status", lambda: self.status(m["id"]))
        if m := RESULT.match(path):
            return self.keyed("result", lambda: self.result(m["id"]))
        if path == "/v1/get-user-credits":
            return self.keyed("credits", self.credits)
        if m := CDN.match(path):
            return self.cdn(m["id"])
        if path.rstrip("/") == HISTORY_PATH:
            return self.history_route(None)
        if m := HISTORY_ONE.match(path):
            return self.history_route(unquote(m["id"]))
        if path in (MODEL_PATH, "/upload-asset"):
            return self.method_not_allowed()
        return self.reply_json(404, {"error": f"Not found: {path}"})

    def do_HEAD(self):
        self.begin()
        if m := CDN.match(self.route):
            return self.cdn(m["id"])
        return self.reply_json(404, {"error": "Not found"})

    def do_POST(self):
        self.begin()
        path = self.route
        if path.startswith("/_sim/"):
            return admin.handle(self, "POST", path)
        if path == MODEL_PATH:
            return self.keyed("submit", self.submit, body=True)
        if path == "/upload-asset":
            return self.keyed("upload", self.upload, body=True)
        if (
            STATUS.match(path)
            or RESULT.match(path)
            or path in ("/v1/get-user-credits", HISTORY_PATH)
            or HISTORY_ONE.match(path)
        ):
            self.read_body()
            return self.method_not_allowed()
        self.read_body()
        return self.reply_json(404, {"error": f"Model not found: {path}"})

    # --- the common path of every keyed request ----------------------------

    def keyed(self, target: str, work, body: bool = False):
        """Latency, faults, key, rate limit, then `work`; drop_after closes after the work."""
        self.target = target
        self.wait_latency()
        fault = self.pick_fault(target)
        if fault is not None and fault.mode == "drop":
            return self.apply_fault(fault)
        self.body = self.read_body() if body else b""
        if fault is not None and self.apply_fault(fault):
            return None
        if self.key is None:
            return self.reply_json(401, {"error": "Missing API key: send it as x-api-key"})
        if not self.ctx.state.key_ok(self.key):
            return self.reply_json(
                401,
                {
                    "error": "invalid_api_key",
                    "error_description": "The API key is invalid or has expired",
                    "status_code": 401,
                },
            )
        if self.ctx.state.take_burst_429():
            self.injected = True
            return self.reply_429(time.time() + self.ctx.state.options.scaled(1.0))
        reset_at = self.ctx.state.rate_check(self.key)
        if reset_at is not None:
            return self.reply_429(reset_at)
        if fault is not None and fault.mode == "drop_after":
            self.injected = True
            self.drop_after = True
        else:
            self.drop_after = False
        return work()

    def answer(self, status: int, obj, headers: dict | None = None) -> None:
        """Reply, unless a drop_after fault says to close without answering."""
        if getattr(self, "drop_after", False) and status < 400:
            return self.drop()
        return self.reply_json(status, obj, headers)

    def method_not_allowed(self):
        html = "<html><head><title>405 Not Allowed</title></head><body>405</body></html>"
        return self.reply(405, html.encode(), "text/html")

    def json_body(self) -> dict | None:
        """The JSON object posted, or None after answering 406/400."""
        if not self.headers.get("Content-Type", "").lower().startswith("application/json"):
            self.reply_text(406, "Invalid content type")
            return None
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            self.reply_json(400, {"error": "The request body is not valid JSON"})
            return None
        if not isinstance(data, dict):
            self.reply_json(400, {"error": "The request body must be a JSON object"})
            return None
        return data

    # --- endpoints ---------------------------------------------------------

    def submit(self):
        data = self.json_body()
        if data is None:
            return None
        fields, problem = validate_submit(data)
        if problem:
            return self.reply_json(400, {"error": problem})
        image = self.fetch_input(fields["input_image"])
        audio = self.fetch_input(fields["input_audio"])
        if audio is not None and not is_wav(audio):
            return self.reply_json(
                400,
                {
                    "error": "invalid_audio_format",
                    "error_description": "input_audio must be WAV audio",
                },
            )
        state = self.ctx.state
        price = PRICES[fields["quality"]][fields["duration"]]
        refusal = state.refusal_for_price(self.key, price)
        if refusal:
            return self.reply_json(406, {"error": refusal})
        prompt = fields["prompt"]
        outcome = "fail" if "[sim:fail]" in prompt else "block" if "[sim:block]" in prompt else "ok"
        job = state.add_job(self.key, fields, outcome, data)
        if state.take_drop_after_accept() or self.ctx.faults.chance(
            state.options.drop_after_accept_rate
        ):
            self.injected = self.drop_after = True
        if self.drop_after:
            state.mark_unanswered(job.request_id)
        if outcome == "ok":
            job.video = self.ctx.maker.order(image, audio, job.duration, state.options.video_bytes)
            self.ctx.register_video(job.request_id, job.video)
        base, rid = self.ctx.api_base, job.request_id
        return self.answer(
            200,
            {
                "request_id": rid,
                "status": "QUEUED",
                "poll_url": f"{base}/v1/requests/{rid}",
                "status_url": f"{base}/v2/requests/{rid}/status",
                "response_url": f"{base}/v2/requests/{rid}",
            },
        )

    def fetch_input(self, url: str) -> bytes | None:
        """The bytes behind an input URL when the simulator has them (its assets, data URLs)."""
        if url.startswith("data:"):
            try:
                return decode_data_url(url)[1]
            except BadDataUrl:
                return None
        prefix = self.ctx.video_origin + "/assets/"
        if url.startswith(prefix):
            return self.ctx.assets.read(url[len(prefix) :])
        return None

    def status(self, request_id: str):
        job = self.ctx.state.job(request_id)
        if job is None:
            return self.answer(404, {"error": f"Request {request_id} not found"})
        state = job.status(time.monotonic())
        if state == "FAILED":
            return self.answer(422, self.failed_body(job))
        body = {"status": state, "request_id": request_id, "metrics": {}}
        if state == "COMPLETED":
            body["metrics"] = self.metrics(job)
        return self.answer(200, body)

    def result(self, request_id: str):
        job = self.ctx.state.job(request_id)
        if job is None:
            return self.answer(404, {"error": f"Request {request_id} not found"})
        state = job.status(time.monotonic())
        if state == "FAILED":
            return self.answer(422, self.failed_body(job))
        if state != "COMPLETED":
            return self.answer(200, {"status": state, "request_id": request_id, "metrics": {}})
        url = self.ctx.output_url(request_id)
        return self.answer(
            200,
            {
                "status": "COMPLETED",
                "error": None,
                "request_id": request_id,
                "output": url,
                "metrics": self.metrics(job),
                "video": {
                    "url": url,
                    "content_type": "video/mp4",
                    "file_name": f"{request_id}.mp4",
                    "file_size": job.video.size if job.video else 0,
                },
            },
        )

    def failed_body(self, job: Job) -> dict:
        rid = job.request_id
        return {"status": "FAILED", "error": job.error(), "metrics": {}, "request_id": rid}

    def metrics(self, job: Job) -> dict:
        f = self.ctx.state.options.time_factor or 1.0
        queue = (job.queued_until - job.submitted) / f
        total = ((job.finished or job.done_at) - job.submitted) / f
        return {
            "cost": job.price,
            "remaining_credits": job.remaining_after,
            "inference_time": round(total - queue, 2),
            "queue_time": round(queue, 2),
            "total_time": round(total, 2),
        }

    def credits(self):
        credits, free = self.ctx.state.credits(self.key)
        return self.answer(200, {"credits": credits, "free-credits": free})

    def upload(self):
        data = self.json_body()
        self.body = b""  # bodies reach ~70 MB: let the raw copy go before decoding
        if data is None:
            return None
        urls = data.pop("data_urls", None)
        if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
            return self.reply_json(400, {"error": "data_urls must be a list of data URLs"})
        stored = []
        for i, url in enumerate(urls):
            try:
                mime, content = decode_data_url(url)
            except BadDataUrl as e:
                return self.reply_json(400, {"error": f"data_urls[{i}]: {e}"})
            name = self.ctx.assets.put(mime, content)
            stored.append(f"{self.ctx.video_origin}/assets/{name}")
            urls[i] = ""
        if self.ctx.state.options.upload_shape == "urls":
            return self.answer(200, {"urls": stored})
        return self.answer(200, {"file_urls": stored, "message": "Files uploaded successfully"})

    def history_route(self, request_id: str | None):
        """The account's request history (`history_off` answers every request with an error)."""
        off = self.ctx.state.options.history_off
        if off:
            self.target = "history"
            message = "Not Found" if off == 404 else "The request history is unavailable"
            return self.reply_json(off, {"error": message})
        if request_id is None:
            return self.keyed("history", self.history_list)
        return self.keyed("history", lambda: self.history_one(request_id))

    def history_list(self):
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        try:
            page = history.query(self.ctx, self.key, params)
        except history.HistoryQueryError as e:
            return self.reply_json(400, {"error": str(e)})
        return self.answer(200, page)

    def history_one(self, request_id: str):
        row = history.find(self.ctx, self.key, request_id)
        if row is None:
            return self.answer(404, {"error": f"Request {request_id} not found"})
        return self.answer(200, row)

    def cdn(self, request_id: str):
        """The CDN hop: public, redirects to the video origin (across origins)."""
        self.target = "cdn"
        location = f"{self.ctx.video_origin}/videos/{request_id}.mp4"
        return self.reply(302, b"", "text/plain", {"Location": location})


def validate_submit(data: dict) -> tuple[dict, str | None]:
    """The submit's fields with defaults, or a message naming the bad field."""
    fields = {}
    for name in ("input_image", "input_audio"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            return fields, f"{name} is required (a URL of the file)"
        if not value.startswith(("http://", "https://", "data:")):
            return fields, f"{name} must be an http(s) URL"
        fields[name] = value
    prompt = data.get("prompt", DEFAULT_PROMPT)
    if not isinstance(prompt, str) or not prompt.strip():
        return fields, "prompt is required and must be a non-empty string"
    fields["prompt"] = prompt
    duration = data.get("duration", 10)
    if isinstance(duration, bool) or duration not in (5, 10, 15):
        return fields, "duration must be one of 5, 10, 15"
    fields["duration"] = int(duration)
    quality = data.get("quality", "high")
    if quality not in ("high", "mid"):
        return fields, "quality must be 'high' or 'mid'"
    fields["quality"] = quality
    enhance = data.get("enhance_prompt", False)
    if not isinstance(enhance, bool):
        return fields, "enhance_prompt must be true or false"
    fields["enhance_prompt"] = enhance
    seed = data.get("seed", 42)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 1 <= seed <= 1_000_000:
        return fields, "seed must be an integer from 1 to 1000000"
    fields["seed"] = seed
    return fields, None
