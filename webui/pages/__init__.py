"""The staff pages (server-rendered, Chinese first): login, inbox, task, case, hazard register,
campaign dashboard, and the public whistleblower form. Each module with a `bp` is registered
by `webui.register_blueprints`; `common`, `throttle` are helpers.
"""
