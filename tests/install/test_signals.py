"""The installer's signal handling: `runner._Signals` records a signal where it lands and raises it
at the next safe point; `run_command` keeps calling `check` while the script runs, however late the
signal's handler runs; the process's own handlers come back when a block ends."""

from __future__ import annotations

import os
import signal
import time

import pytest

from k3stui.install import runner


def _send(sig: int) -> None:
    """The signal to this process; its Python handler has run when this returns (the kernel
    delivers it to this, the main, thread, and CPython runs the handler before the next bytecode)."""
    os.kill(os.getpid(), sig)


@pytest.fixture
def handlers():
    """The handlers as the test found them, put back afterwards whatever the test did."""
    before = {s: signal.getsignal(s) for s in (*runner.SIGNALS, signal.SIGUSR1)}
    yield before
    for s, h in before.items():
        signal.signal(s, h)


def test_a_signal_is_recorded_and_raised_at_the_next_check(handlers):
    with runner._Signals() as sig:
        sig.check()  # nothing yet
        _send(signal.SIGTERM)
        assert sig.signum == signal.SIGTERM
        with pytest.raises(runner.Interrupted) as caught:
            sig.check()
        assert caught.value.signum == signal.SIGTERM
    assert {s: signal.getsignal(s) for s in runner.SIGNALS} == {s: handlers[s] for s in runner.SIGNALS}


def test_the_first_signal_is_the_one_reported(handlers):
    with runner._Signals() as sig:
        _send(signal.SIGHUP)
        _send(signal.SIGTERM)
        assert sig.signum == signal.SIGHUP


def test_a_nested_block_puts_the_outer_ones_handler_back(handlers):
    with runner._Signals() as outer:
        with runner._Signals():
            pass
        _send(signal.SIGTERM)
        assert outer.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is handlers[signal.SIGTERM]


def test_inside_interruptible_the_signal_raises_where_it_lands(handlers):
    with runner._Signals() as sig:
        with pytest.raises(runner.Interrupted), sig.interruptible():
            _send(signal.SIGINT)
            raise AssertionError("the handler should have raised in os.kill's caller")
        assert not sig._raise_now
        assert sig.signum == signal.SIGINT  # recorded too: the run's undo names it


class _Stop(Exception):
    pass


def test_a_handler_that_runs_late_does_not_stop_the_checks():
    """The hang seen under load: the signal landed while `run_command` waited for the script's
    next line, its handler ran after that wait's deadline, and the wait never ended (CPython 3.11's
    SimpleQueue.get). Here the handler takes longer than the wait on purpose; `check` must still
    run again and stop the script before it prints its last line, which only comes much later."""
    handled: list[int] = []

    def slow_handler(signum: int, frame: object) -> None:
        time.sleep(0.2)  # a busy machine: the handler runs well after the 50 ms wait's deadline
        handled.append(signum)

    def check() -> None:
        if handled:
            raise _Stop

    seen: list[str] = []
    old = signal.signal(signal.SIGUSR1, slow_handler)
    try:
        with pytest.raises(_Stop):
            # The script signals while k3stui waits for its output (it prints nothing until then).
            runner.run_command(["sh", "-c", "sleep 0.3; kill -USR1 $PPID; sleep 20; echo late"],
                               runner.process_env({}), lambda line, stream: seen.append(line), check)
    finally:
        signal.signal(signal.SIGUSR1, old)
    assert handled == [signal.SIGUSR1]
    assert "late" not in seen  # stopped by `check`, not freed by the script's next line
