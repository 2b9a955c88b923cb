"""The JSON API under `/api/v1` (see docs/api.md).

`v1` holds the blueprint and its views; `errors`, `common` and `openapi` are helpers without a
blueprint of their own. Views are thin: parse, call one `engine` function, serialize.
"""
