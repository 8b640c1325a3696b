"""Reading, matching and summing history rows: pure functions, every odd shape, fuzzed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.api.errors import ErrorKind, SegmindError
from app.api.failures import NOT_JSON
from app.api.history import (
    HistoryRow,
    date_windows,
    matches,
    means_unknown_request,
    month_days,
    month_spend,
    normalize_request_id,
    page_url,
    parse_one,
    parse_page,
    parse_request_body,
    parse_row,
    parse_time,
    row_url,
    same_model,
    same_value,
    unique,
)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
NOON = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC).timestamp()

RID = "2c7f59ea-13f1-402c-9353-915a2b5a2124"
SENT = {
    "input_image": "https://cdn.example.com/a.png",
    "input_audio": "https://cdn.example.com/a.wav",
    "prompt": "Hello there.",
    "seed": 42,
    "duration": 10,
    "quality": "high",
    "enhance_prompt": False,
}


def row(**fields) -> HistoryRow:
    base = dict(
        request_id=RID,
        model_name="higgsfield-speech2video",
        status="COMPLETED",
        cost=2.81,
        request_body=dict(SENT),
        generation_url="https://cdn.example.com/v.mp4",
        latency_ms=330000.0,
        created=dt.datetime(2026, 3, 10, tzinfo=dt.UTC).timestamp(),
        updated=None,
        error=None,
    )
    return HistoryRow(**(base | fields))


@pytest.mark.parametrize(
    "listed",
    [
        RID,
        RID.upper(),
        RID.replace("-", ""),
        RID.replace("-", "").upper(),
        f"{{{RID}}}",
        f" {RID} ",
    ],
)
def test_ids_become_the_dashed_lower_case_uuid(listed):
    assert normalize_request_id(listed) == RID


@pytest.mark.parametrize("value", [None, "", "   ", 3.5, ["x"], "a\nb", "x" * 201, True])
def test_unreadable_ids_are_none(value):
    assert normalize_request_id(value) is None


def test_an_id_that_is_no_uuid_is_kept_as_listed():
    assert normalize_request_id(" req_ABC ") == "req_ABC"
    assert normalize_request_id(12345) == "12345"


@pytest.mark.parametrize(
    "body",
    [
        SENT,
        json.dumps(SENT),
        repr(SENT),  # the SDK's own test fixture is a Python repr
        json.dumps(json.dumps(SENT)),  # JSON text inside a JSON string
        "  " + repr(SENT) + "\n",
    ],
)
def test_request_bodies_in_every_form(body):
    assert parse_request_body(body) == SENT


@pytest.mark.parametrize(
    "body",
    [
        None,
        42,
        "not a dict",
        "[1, 2]",
        "__import__('os').system('echo pwned')",  # never evaluated
        "{'a': open('/etc/passwd').read()}",
        "{'a': 1" + "}" * 3,
        "(" * 5000 + ")" * 5000,
        "[" * 100_000,
        "{'x': " + "9" * 10_000 + "}",
        "x" * (2 << 20),
    ],
)
def test_unreadable_bodies_are_none(body, capfd):
    assert parse_request_body(body) is None
    assert "pwned" not in capfd.readouterr().out


@pytest.mark.parametrize(
    "value, epoch",
    [
        ("2026-03-10T12:00:00Z", 0),
        ("2026-03-10T12:00:00.250Z", 0.25),
        ("2026-03-10T13:00:00+01:00", 0),
        ("2026-03-10 12:00:00", 0),  # naive: UTC
        (int(NOON), 0),
        (int(NOON * 1000) + 250, 0.25),  # milliseconds
        (str(int(NOON)), 0),
    ],
)
def test_times(value, epoch):
    assert parse_time(value) == pytest.approx(NOON + epoch)


@pytest.mark.parametrize("value", [None, "", "yesterday", -5, 0, True, "nan", "inf", [], {}])
def test_unreadable_times_are_none(value):
    assert parse_time(value) is None


def test_a_full_row():
    got = parse_row(
        {
            "request_id": RID.replace("-", ""),
            "model_name": "higgsfield-speech2video",
            "model_status": "completed",
            "credits_deduction": "2.81",
            "request_body": repr(SENT),
            "generation_url": "https://cdn.example.com/v.mp4",
            "latency_ms": 330000,
            "created_at": "2026-03-10T00:00:00Z",
            "updated_at": "2026-03-10T00:05:30Z",
            "error": None,
        }
    )
    assert got == row(updated=got.created + 330)


def test_a_row_with_other_names_and_odd_values():
    got = parse_row(
        {
            "id": RID,
            "status": "IN_PROGRESS",
            "cost": -1,
            "parameters": SENT,
            "output": ["https://cdn.example.com/v.mp4"],
            "latency_ms": "soon",
            "createdAt": 1773100800000,
            "error": {"message": "bad  \n things SG_0123456789abcdef"},
        }
    )
    assert got.status == "PENDING" and got.cost is None and got.latency_ms is None
    assert got.request_body == SENT and got.generation_url == "https://cdn.example.com/v.mp4"
    assert got.created == 1773100800.0 and got.model_name is None
    assert got.error == "bad things [key redacted]"


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://x/v.mp4", "", 42, "not a url"]
)
def test_generation_urls_that_are_not_web_links_are_dropped(url):
    assert parse_row({"request_id": RID, "generation_url": url}).generation_url is None


@pytest.mark.parametrize(
    "data, listed",
    [
        ({"data": [{"request_id": RID}]}, 1),
        ([{"request_id": RID}], 1),
        ({"rows": [{"request_id": RID}], "total": 1}, 1),
        ({"data": {"items": [{"request_id": RID}], "page": 1}}, 1),
        ({"results": [{"request_id": RID}, {"no": "id"}, "junk", None]}, 4),
    ],
)
def test_page_envelopes(data, listed):
    page = parse_page(data)
    assert [r.request_id for r in page.rows] == [RID]
    assert (page.listed, page.skipped) == (listed, listed - 1)


def test_a_page_counts_unreadable_entries_so_a_full_page_stays_full():
    page = parse_page({"data": [{"request_id": RID}] + [{"junk": i} for i in range(99)]})
    assert (len(page.rows), page.listed, page.skipped) == (1, 100, 99)


@pytest.mark.parametrize("data", [NOT_JSON, None, "text", 42, {"error": "x"}, {"data": "x"}])
def test_a_page_without_any_list_is_malformed(data):
    with pytest.raises(SegmindError) as err:
        parse_page(data)
    assert err.value.kind == ErrorKind.malformed and "history" in err.value.message


@pytest.mark.parametrize(
    "data", [{"request_id": RID}, {"data": {"request_id": RID}}, {"data": [{"request_id": RID}]}]
)
def test_one_record_bare_or_enveloped(data):
    assert parse_one(data).request_id == RID


@pytest.mark.parametrize("data", [NOT_JSON, {}, {"data": []}, [], "x"])
def test_an_unreadable_record_is_malformed(data):
    with pytest.raises(SegmindError) as err:
        parse_one(data)
    assert err.value.kind == ErrorKind.malformed


@given(JSON_VALUES)
@settings(max_examples=300, deadline=None)
def test_any_json_gives_rows_or_a_clear_error(data):
    for candidate in (data, {"data": data}, {"data": [data]}, [data, {"request_id": data}]):
        try:
            page = parse_page(candidate)
        except SegmindError as err:
            assert err.kind == ErrorKind.malformed
        else:
            assert all(isinstance(r, HistoryRow) for r in page.rows)
            assert page.listed >= len(page.rows)
        if isinstance(candidate, dict):
            parse_row(candidate)


@given(st.dictionaries(st.sampled_from(list(SENT) + ["request_body"]), JSON_VALUES, max_size=8))
@settings(max_examples=200, deadline=None)
def test_any_row_fields_never_crash(fields):
    got = parse_row({"request_id": RID, **fields})
    assert got is not None and got.request_id == RID


@pytest.mark.parametrize(
    "sent, listed",
    [(10, "10"), (10, 10.0), ("10", 10), (False, "false"), (True, "True"), (True, 1), (42, "42.0")],
)
def test_values_compare_across_types(sent, listed):
    assert same_value(sent, listed)


@pytest.mark.parametrize(
    "sent, listed",
    [(10, "15"), (False, "true"), (True, "yes"), ("high", "mid"), (5, None), ("a", 1)],
)
def test_different_values_differ(sent, listed):
    assert not same_value(sent, listed)


def test_a_row_matches_when_every_value_sent_is_in_its_body():
    assert matches(row(), SENT)
    stringly = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in SENT.items()}
    assert matches(row(request_body=stringly), SENT)
    assert matches(row(request_body=SENT | {"extra": 1}), SENT)  # defaults filled in: fine


@pytest.mark.parametrize("field", list(SENT))
def test_one_different_or_missing_value_is_no_match(field):
    changed = dict(SENT)
    changed[field] = {"seed": 43, "duration": 15, "enhance_prompt": True}.get(field, "other")
    assert not matches(row(request_body=changed), SENT)
    missing = {k: v for k, v in SENT.items() if k != field}
    assert not matches(row(request_body=missing), SENT)


def test_a_value_not_sent_must_be_absent_or_the_default():
    unsent = {k: v for k, v in SENT.items() if k != "seed"}
    assert matches(row(request_body=unsent), unsent)
    assert matches(row(request_body=unsent | {"seed": "42"}), unsent)  # filled-in default
    assert not matches(row(request_body=unsent | {"seed": 43}), unsent)  # another take


def test_no_body_or_no_urls_never_matches():
    assert not matches(row(request_body=None), SENT)
    assert not matches(row(), {"prompt": "Hello there."})


def test_model_names():
    assert same_model("higgsfield-speech2video") and same_model("Higgsfield_Speech2Video")
    assert same_model(None)  # the list was asked for this model
    assert not same_model("higgsfield-speech2video-pro") and not same_model("flux")


def test_unique_keeps_one_row_per_request():
    rows = [row(cost=None), row(), row(request_id="other")]
    assert [(r.request_id, r.cost) for r in unique(rows)] == [(RID, 2.81), ("other", 2.81)]


def test_month_spend_counts_each_request_once_and_this_model_only():
    march = dt.datetime(2026, 3, 31, 23, 59, tzinfo=dt.UTC).timestamp()
    april = dt.datetime(2026, 4, 1, 0, 0, 30, tzinfo=dt.UTC).timestamp()
    rows = [
        row(),
        row(),  # the same request listed once per output
        row(request_id="b", cost=1.72, created=march),
        row(request_id="c", cost=0.0, status="FAILED"),
        row(request_id="d", cost=4.22, created=april),  # the next month in UTC
        row(request_id="e", cost=9.99, model_name="flux-dev"),
    ]
    spend = month_spend(rows, "2026-03", made_here=[RID.replace("-", "").upper(), "zzz"])
    assert spend.to_dict() == {
        "month": "2026-03",
        "total_usd": 4.53,
        "requests": 3,
        "made_here_usd": 2.81,
        "made_here_requests": 1,
    }


@pytest.mark.parametrize(
    "month, first, last",
    [("2026-02", "2026-02-01", "2026-02-28"), ("2024-02", "2024-02-01", "2024-02-29"),
     ("2026-12", "2026-12-01", "2026-12-31")],
)  # fmt: skip
def test_month_days(month, first, last):
    assert month_days(month) == (dt.date.fromisoformat(first), dt.date.fromisoformat(last))


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "March", "", "2026-03-01"])
def test_bad_months(month):
    with pytest.raises(ValueError):
        month_days(month)


def test_date_windows_are_at_most_31_days_and_cover_the_range():
    first, last = dt.date(2026, 1, 1), dt.date(2026, 3, 15)
    windows = date_windows(first, last)
    assert windows[0][0] == first and windows[-1][1] == last
    assert all((b - a).days + 1 <= 31 for a, b in windows)
    assert all(
        b + dt.timedelta(days=1) == c for (_, b), (c, _) in zip(windows, windows[1:], strict=False)
    )
    assert date_windows(last, first) == []
    assert date_windows(first, first) == [(first, first)]


def test_urls():
    url = page_url(
        "https://h.example/inference-request/request-history/",
        page=2,
        per_page=100,
        from_date=dt.date(2026, 3, 1),
        model_name="higgsfield speech2video",
        status=None,
    )
    assert url == (
        "https://h.example/inference-request/request-history?page=2&per_page=100"
        "&from_date=2026-03-01&model_name=higgsfield+speech2video"
    )
    assert row_url("https://h.example/x", "a/b c") == "https://h.example/x/a%2Fb%20c"


def test_only_a_404_naming_the_request_means_unknown():
    def err(status, said):
        return SegmindError(ErrorKind.malformed, "x", status=status, server_message=said)

    assert means_unknown_request(err(404, f"Request {RID} not found"), RID)
    assert means_unknown_request(err(404, f"{RID.replace('-', '')} not found"), RID)
    assert not means_unknown_request(err(404, "Not Found"), RID)  # a missing route
    assert not means_unknown_request(err(404, None), RID)
    assert not means_unknown_request(err(500, f"Request {RID} not found"), RID)
