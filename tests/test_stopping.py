"""The stop signal jobs check between steps: cancelled, timed out, or its client gone."""

from __future__ import annotations

import time

import pytest

from translate.stopping import Cancelled, JobStop, raise_if_stopped


def test_a_job_stop_is_set_by_hand_with_its_reason():
    stop = JobStop()
    assert not stop.is_set() and stop.reason is None
    raise_if_stopped(stop)  # not set: nothing happens
    stop.set()
    assert stop.is_set() and stop.reason == "cancelled" and not stop.timed_out
    with pytest.raises(Cancelled, match="^Stopped; nothing was kept.$"):
        raise_if_stopped(stop)


def test_a_job_stop_sets_itself_when_its_time_is_up():
    stop = JobStop(time_limit_s=0.2)
    assert not stop.is_set()
    time.sleep(0.3)
    assert stop.is_set() and stop.timed_out and stop.reason == "time limit"
    assert stop.wait(0)  # an Event like any other for those who wait on it


def test_a_job_stop_sets_itself_when_its_client_is_gone():
    gone = False
    stop = JobStop(time_limit_s=0, gone=lambda: gone)  # 0: no time limit
    assert not stop.is_set()
    gone = True
    assert stop.is_set() and stop.reason == "client gone" and not stop.timed_out
    stop.set("cancelled")  # the first reason stays
    assert stop.reason == "client gone"
