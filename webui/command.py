"""The `safeloop` command: the operations layer's commands (engine/operations/cli.py: init, deploy, users, worker,
backup …) plus `serve`, the one command that needs the web app. It lives here, above both packages, so that the
engine never imports the web UI (an import-linter contract) and nothing imports in a cycle."""
from __future__ import annotations

import os

import click

from engine.operations import configure_logging, main, sweep_once


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web app; runs the sweep in-process unless SAFELOOP_WORKER=external."""
    from . import create_app, serving
    configure_logging()
    app = create_app()
    if os.environ.get("SAFELOOP_WORKER", "inprocess") != "external":
        from apscheduler.schedulers.background import BackgroundScheduler
        scheduler = BackgroundScheduler(daemon=True)
        scheduler.add_job(sweep_once, "interval", seconds=float(os.environ.get("SAFELOOP_SWEEP_SECONDS", "5")),
                          max_instances=1, coalesce=True)
        scheduler.start()
    click.echo(f"Safeloop 已启动 running on http://{host}:{port}")
    app.run(host=host, port=port, debug=False, use_reloader=False, request_handler=serving.RequestHandler)


if __name__ == "__main__":
    main()
