"""`python -m service` as `make run` starts it: embedded database, demo keys on the terminal
(stderr, never the JSON log stream on stdout), clean SIGTERM."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from service.store.embedded import free_port


def get_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return None


def start(data_dir, port):
    env = {**os.environ, "DATA_DIR": str(data_dir), "PORT": str(port), "HOST": "127.0.0.1"}
    env.pop("MONGODB_URI", None)
    return subprocess.Popen(
        [sys.executable, "-m", "service"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_ready(port, proc, seconds=40.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        if get_status(f"http://127.0.0.1:{port}/readyz") == 200:
            return
        time.sleep(0.2)
    raise AssertionError("service never became ready")


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout
    return [int(p) for p, pp in (line.split() for line in out.splitlines()) if int(pp) == pid]


def is_running(pid: int) -> bool:
    """Alive and not a zombie."""
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def stop(proc) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=40)
    return proc.returncode, out, err


def log_lines(out: str) -> list[dict]:
    """stdout as the JSON log stream: every line must be one JSON object."""
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_service_prints_demo_keys_once_to_stderr_and_stops_cleanly(tmp_path):
    port = free_port()
    proc = start(tmp_path, port)
    try:
        wait_ready(port, proc)
        children = children_of(proc.pid)
        assert children, "the embedded database should run as a child process"
    finally:
        code, out, err = stop(proc)
    assert code == 0
    assert "masterKey" in err and "created project 'demo'" in err
    keys = json.loads(err[err.index("{") : err.index("}") + 1])
    assert keys["name"] == "demo"
    lines = log_lines(out)
    assert any(line.get("route") == "/readyz" for line in lines)  # the log stream is there
    assert keys["masterKey"] not in out and keys["apiKey"] not in out
    assert "masterKey" not in out
    time.sleep(0.5)
    alive = [pid for pid in children if is_running(pid)]
    assert alive == [], "the embedded database outlived the service"

    second = start(tmp_path, port)
    try:
        wait_ready(port, second)
    finally:
        code, out, err = stop(second)
    assert code == 0
    assert "project 'demo' exists" in err
    log_lines(out)
    assert "masterKey" not in out + err and keys["masterKey"] not in out + err


def test_port_in_use_exits_non_zero_with_one_line(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = start(tmp_path, port)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert err.strip() == f"cannot listen on 127.0.0.1:{port}: address already in use"
