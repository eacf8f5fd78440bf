"""Serving a WSGI app: gunicorn in production, Werkzeug's threaded server in debug."""

from __future__ import annotations

from typing import Any

from flask import Flask


def serve_app(app: Flask, *, host: str, port: int, workers: int, debug: bool) -> None:
    if debug:
        from werkzeug.serving import run_simple

        run_simple(host, port, app, threaded=True, use_reloader=False)
        return

    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")

        def load(self) -> Any:
            return app

    _Gunicorn().run()
