"""Progress off a terminal: a log line at each tenth, labelled with the node and the loop."""

import logging

from synthbalance.core import progress


def test_off_a_terminal_a_line_at_each_tenth_says_where_it_is(caplog):
    caplog.set_level(logging.INFO, logger="synthbalance.core.progress")
    progress.set_node("strategy.gan.train_classifier")
    try:
        with progress.labelled("replicate 1"):
            bar = progress.bar(range(200), "classifier", unit="step")
            bar.set_postfix(loss="0.25")
            assert list(bar) == list(range(200))  # every item, in order
    finally:
        progress.set_node("")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 10
    assert lines[0].startswith(
        "strategy.gan.train_classifier replicate 1: classifier: 10% (20/200 step)"
    )
    assert lines[-1].startswith("strategy.gan.train_classifier replicate 1: classifier: 100%")
    assert lines[-1].endswith("; loss=0.25")


def test_a_resumed_loop_counts_from_where_it_was_and_a_label_ends_with_its_block(caplog):
    caplog.set_level(logging.INFO, logger="synthbalance.core.progress")
    with progress.labelled("replicate 0"):
        pass
    list(progress.bar(range(50, 100), "gan", total=100, initial=50, unit="step"))
    lines = [r.getMessage() for r in caplog.records]
    assert [line.split(":")[1].split("%")[0].strip() for line in lines] == [
        "60",
        "70",
        "80",
        "90",
        "100",
    ]
    assert lines[0].startswith("gan: 60% (60/100 step)")  # the label was given back
