"""The benchmarks' ratios, schedule model and summaries, on made-up samples (no timing, no servers)."""

from __future__ import annotations

import pytest

from bench import adversity, handoff, inventory_changes, stats, throughput


def test_percentile_interpolates_between_ranks():
    values = [4.0, 1.0, 3.0, 2.0]

    assert stats.percentile(values, 0) == 1.0
    assert stats.percentile(values, 50) == 2.5
    assert stats.percentile(values, 95) == pytest.approx(3.85)
    assert stats.percentile(values, 100) == 4.0


def test_percentile_of_no_values_is_an_error():
    with pytest.raises(ValueError, match="no values"):
        stats.percentile([], 50)


def test_distribution_reports_median_p95_max_and_count():
    assert stats.distribution([float(second) for second in range(1, 21)]) == {
        "median": 10.5,
        "p95": 19.05,
        "max": 20.0,
        "count": 20,
    }
    assert stats.distribution([]) is None


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60.0), ("rate(5 minutes)", 300.0), ("rate(1 hour)", 3600.0), ("rate(2 days)", 172800.0)],
)
def test_schedule_seconds_reads_eventbridge_rate_expressions(expression, seconds):
    assert stats.schedule_seconds(expression) == seconds


def test_schedule_seconds_rejects_cron_expressions():
    with pytest.raises(ValueError, match="not a rate expression"):
        stats.schedule_seconds("cron(0 * * * ? *)")


@pytest.mark.parametrize(
    ("offset", "lag", "wait"),
    [
        (0.0, 0, 60.0),  # released right at a tick: the next one re-checks it
        (59.5, 0, 0.5),
        (50.0, 5, 10.0),  # the tick at 60 searches up to 55: found
        (56.0, 5, 64.0),  # the tick at 60 searches up to 55: missed, found at 120
    ],
)
def test_poll_wait_seconds_is_the_time_to_the_first_tick_that_finds_the_order(offset, lag, wait):
    assert stats.poll_wait_seconds(offset, 60.0, lag) == pytest.approx(wait)


def test_stratified_offsets_make_the_mean_poll_wait_half_an_interval():
    offsets = stats.stratified_offsets(30, 60.0)

    waits = [stats.poll_wait_seconds(offset, 60.0, lag=0) for offset in offsets]

    assert len(offsets) == 30
    assert all(0 < offset < 60 for offset in offsets)
    assert sum(waits) / len(waits) == pytest.approx(30.0)


def test_ratio_is_none_without_a_positive_denominator():
    assert stats.ratio(30.0, 0.5) == 60.0
    assert stats.ratio(30.0, 0.0) is None
    assert stats.ratio(None, 1.0) is None


def test_reconcile_counts_missing_orders_and_extra_orders_per_reference():
    references = ["A", "B", "B", "B", "D", "OTHER-SHOP-ORDER"]

    result = stats.reconcile(["A", "B", "C", "D"], references)

    assert (result.expected, result.in_extensiv, result.missing, result.duplicates) == (4, 3, ["C"], 2)
    assert result.duplicated_references == ["B"]
    assert not result.exactly_once


def test_reconcile_of_one_order_per_reference_is_exactly_once():
    assert stats.reconcile(["A", "B"], ["B", "A"]).exactly_once


def test_count_requests_matches_method_and_path():
    log = [
        {"method": "POST", "path": "/orders"},
        {"method": "GET", "path": "/orders"},
        {"method": "POST", "path": "/orders/7/canceler"},
        {"method": "POST", "path": "/orders"},
    ]

    assert stats.count_requests(log, "POST", "^/orders$") == 2


def test_checks_pass_fail_or_inform_and_the_table_says_which():
    checks = [
        stats.below("b", "p95 (s)", 0.9, 5.0),
        stats.at_least("b", "ratio", 8.0, 10.0),
        stats.info("b", "median (s)", 0.5),
        stats.equals("b", "duplicates", None, 0),
    ]

    assert [check.verdict for check in checks] == ["pass", "FAIL", "info", "FAIL"]
    table = stats.markdown_table(checks)
    assert "| b | ratio | 8 | >= 10 | FAIL |" in table
    assert "| b | median (s) | 0.5 | - | info |" in table
    assert "| b | duplicates | n/a | = 0 | FAIL |" in table
    assert len(stats.text_table(checks).splitlines()) == 5


def test_handoff_summary_compares_the_poll_path_with_the_webhook_path():
    webhook = [0.5] * 18 + [0.9, 1.0]
    poll = [30.0] * 18 + [55.0, 58.0]

    report = handoff.summarize(webhook, poll, 20, 60.0, {}, {})

    checks = {check.metric: check for check in report["checks"]}
    assert checks["webhook path p95 (s)"].passed
    assert checks["poll/webhook ratio, p95"].value == pytest.approx(55.15 / 0.905)
    assert checks["poll/webhook ratio, median"].value == pytest.approx(60.0)
    assert checks["hourly baseline/webhook p95"].value == pytest.approx(3600 / 0.905)
    assert checks["orders missing (both paths)"].passed


def test_handoff_summary_fails_when_orders_are_missing_or_the_webhook_path_is_slow():
    report = handoff.summarize([6.0] * 9, [40.0] * 10, 10, 60.0, {}, {})

    failed = {check.metric for check in report["checks"] if check.passed is False}
    assert failed == {"webhook path p95 (s)", "orders missing (both paths)", "poll/webhook ratio, median"} | {
        "poll/webhook ratio, p95"
    }


def test_exactly_once_summary_fails_on_a_duplicate_and_reports_creates_per_order():
    reconciliation = stats.reconcile(["A", "B"], ["A", "A", "B"])
    details = {
        "orders": 2,
        "hub_states": {"submitted": 2},
        "dead_lettered": 0,
        "faults_not_triggered": 0,
        "webhook_deliveries": 6,
        "queue_records_handled": 9,
        "extensiv_create_calls": 3,
    }

    checks = {check.metric: check for check in adversity.summarize(reconciliation, details)["checks"]}

    assert checks["duplicate Extensiv orders"].passed is False
    assert checks["missing Extensiv orders"].passed
    assert checks["Extensiv creates per order"].value == 1.5


def test_throughput_summary_reports_the_throttled_ratio_and_loses_nothing():
    clean = {"missing_ids": [], "duplicates": 0}
    free = {"orders_per_s": 20.0, "rate_limit_per_s": None, "reconciliation": clean}
    throttled = {"orders_per_s": 3.5, "rate_limit_per_s": 4.0, "reconciliation": clean}

    checks = {check.metric: check for check in throughput.summarize(free, throttled)["checks"]}

    assert checks["throttled/unthrottled throughput"].value == pytest.approx(0.175)
    assert checks["throttled orders/s per allowed req/s"].value == pytest.approx(0.875)
    assert checks["missing orders (both runs)"].passed
    assert checks["duplicate orders (both runs)"].passed


def test_inventory_summary_wants_one_update_per_changed_sku_and_none_when_idle():
    first = {"run_s": 1.0, "update_calls": 40, "mismatched_skus": []}
    rounds = [
        {"changed_skus": 5, "run_s": 0.5, "update_calls": 5, "mismatched_skus": []},
        {"changed_skus": 0, "run_s": 0.4, "update_calls": 1, "mismatched_skus": []},
    ]

    checks = {check.metric: check for check in inventory_changes.summarize(first, rounds, 60.0, 40)["checks"]}

    assert checks["update calls per changed SKU"].value == pytest.approx(1.2)
    assert checks["update calls per changed SKU"].passed is False
    assert checks["update calls when nothing changed"].passed is False
    assert checks["worst-case stock latency (s)"].value == 61.0
    assert checks["hourly baseline/worst stock latency"].value == pytest.approx(3600 / 61)


def test_throughput_rounds_of_one_variant_combine_into_orders_over_total_seconds():
    def drained(seconds, in_extensiv, missing=(), duplicates=0):
        reconciliation = {"in_extensiv": in_extensiv, "missing_ids": list(missing), "duplicates": duplicates}
        return {"rate_limit_per_s": 4.0, "orders": 40, "elapsed_s": seconds, "reconciliation": reconciliation}

    combined = throughput.combine([drained(10.0, 40), drained(12.0, 39, missing=["X"], duplicates=1)])

    assert combined["orders_per_s"] == pytest.approx(79 / 22.0, abs=1e-3)
    assert combined["reconciliation"] == {"in_extensiv": 79, "missing_ids": ["X"], "duplicates": 1}
    assert throughput.combine([drained(None, 0)])["orders_per_s"] is None
