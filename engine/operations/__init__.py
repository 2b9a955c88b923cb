"""Operations: the `safeloop` command (`cli`; `serve` is added by `webui.command`, which imports both), the
timer sweep it runs, backup and restore, the BPMN conformance report and JSON logging. Nothing imports this layer
but the web UI's entry points; it may import everything below.
"""
from __future__ import annotations

from .cli import configure_logging, main, sweep_once  # `main`: the click group webui.command adds `serve` to
from .logs import configure as logs_configure

__all__ = ["main", "configure_logging", "logs_configure", "sweep_once"]
