"""Start and stop the assistant: the rasa-sdk action server, the Rasa server and the agent desk.

Used by ``bot run`` (what ``make run`` calls) and by tests that need a live stack. Every server
listens on 127.0.0.1; the Rasa HTTP API is on and protected by a token; the REST and web chat
channels are on; the desk (``bot.desk``, on ``DESK_PORT``) serves ``/desk`` and ``/chat``.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.settings import PROJECT_ROOT, get_settings

__all__ = ["Stack", "model_path"]


def model_path() -> Path:
    return PROJECT_ROOT / "models" / "product.tar.gz"


class Stack:
    def __init__(self, *, bot_port: int | None = None, actions_port: int | None = None,
                 env: dict | None = None, model: Path | None = None, log_dir: Path | None = None,
                 with_actions: bool = True, desk_port: int | None = None, with_desk: bool = True):
        settings = get_settings()
        self.bot_port = bot_port or settings.bot_port
        self.actions_port = actions_port or settings.actions_port
        self.desk_port = desk_port or int((env or {}).get("DESK_PORT") or settings.desk_port)
        self.model = Path(model or model_path())
        self.api_token = settings.api_token
        self.env = {**os.environ, **(env or {}), "BOT_PORT": str(self.bot_port),
                    "ACTIONS_PORT": str(self.actions_port), "DESK_PORT": str(self.desk_port),
                    "RASA_TELEMETRY_ENABLED": "false",
                    "BOT_VAR_DIR": str(Path((env or {}).get("BOT_VAR_DIR")
                                            or os.environ.get("BOT_VAR_DIR", PROJECT_ROOT / "var"))),
                    # rasa-sdk binds 0.0.0.0 unless told otherwise
                    "SANIC_HOST": "127.0.0.1"}
        self.env.setdefault("PYTHONUNBUFFERED", "1")
        self.env["RASA_API_TOKEN"] = self.api_token      # the desk calls Rasa's API with it
        self.log_dir = log_dir
        self.with_actions = with_actions
        self.with_desk = with_desk
        self.procs: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.bot_port}"

    @property
    def desk_url(self) -> str:
        return f"http://127.0.0.1:{self.desk_port}"

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        out = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{name}.log", "ab")
        proc = subprocess.Popen(args, cwd=PROJECT_ROOT, env=self.env, stdout=out,
                                stderr=subprocess.STDOUT if out else None, start_new_session=True)
        self.procs.append(proc)
        return proc

    def render_endpoints(self) -> Path:
        """``endpoints.yml`` with its ``${VAR}`` placeholders filled from this stack's environment
        (Rasa 3.6 leaves some of them unexpanded) and the tracker store taken from
        ``TRACKER_URL``, written under the var dir."""
        import yaml
        from sqlalchemy.engine import make_url
        text = (PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8")
        rendered = re.sub(r"\$\{(\w+)\}", lambda m: self.env.get(m.group(1), m.group(0)), text)
        config = yaml.safe_load(rendered)
        url = make_url(self.env.get("TRACKER_URL")
                       or f"sqlite:///{Path(self.env['BOT_VAR_DIR']) / 'tracker.db'}")
        store = {"type": "SQL", "dialect": url.drivername.split("+")[0], "db": url.database}
        for key, value in (("url", url.host), ("port", url.port), ("username", url.username),
                           ("password", url.password)):
            if value is not None:
                store[key] = value
        config["tracker_store"] = store
        var = Path(self.env["BOT_VAR_DIR"])
        var.mkdir(parents=True, exist_ok=True)
        path = var / f"endpoints.{self.bot_port}.yml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        path.chmod(0o600)
        return path

    def start(self, timeout: float = 240) -> "Stack":
        if not self.model.exists():
            raise FileNotFoundError(f"no trained model at {self.model}: run `make model`")
        endpoints = self.render_endpoints()
        bindir = Path(sys.executable).parent
        if self.with_actions:
            self._spawn("actions", [str(bindir / "python"), "-m", "rasa_sdk", "--actions",
                                    "actions", "--port", str(self.actions_port)])
        self._spawn("rasa", [str(bindir / "rasa"), "run", "--enable-api", "--auth-token",
                             self.api_token, "-i", "127.0.0.1", "-p", str(self.bot_port),
                             "--model", str(self.model), "--endpoints", str(endpoints),
                             "--credentials", "credentials.yml", "--cors", "*"])
        if self.with_desk:
            self._spawn("desk", [str(bindir / "python"), "-m", "bot.desk", "--port",
                                 str(self.desk_port)])
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        checks = [f"{self.url}/status?token={self.api_token}"]
        if self.with_actions:
            checks.insert(0, f"http://127.0.0.1:{self.actions_port}/health")
        if self.with_desk:
            checks.insert(0, f"{self.desk_url}/health")
        while checks:
            for proc in self.procs:
                if proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"a server exited early (status {proc.returncode}); see logs")
            try:
                with urllib.request.urlopen(checks[0], timeout=2) as r:
                    if r.status == 200 and (b"model_file" in r.read() or "status" not in checks[0]):
                        checks.pop(0)
                        continue
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"the stack was not ready in {timeout:.0f} s")
            time.sleep(0.5)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def serve_forever(self) -> int:
        """Run until Ctrl-C (or SIGTERM), then stop every server."""
        stop = {"now": False}

        def _handler(signum, _frame):
            stop["now"] = True

        signal.signal(signal.SIGINT, _handler)
        signal.signal(signal.SIGTERM, _handler)
        try:
            while not stop["now"]:
                for proc in self.procs:
                    if proc.poll() is not None:
                        print(f"bot: a server exited (status {proc.returncode}); stopping",
                              file=sys.stderr)
                        return 1
                time.sleep(0.5)
            return 0
        finally:
            self.stop()
