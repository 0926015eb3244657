"""Absolute URLs the API hands out (``next`` links, ``Link`` headers, search hits), rooted on the
configured ``DESERTION_PUBLIC_URL`` and never on the request's ``Host`` header: otherwise a client
could claim any host, and a shared cache in front of the API would store and serve its links to
everyone else."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from starlette.datastructures import URL


def public(request: Request, path: str) -> URL:
    """``path`` (relative to the application, starting with ``/``) under the public URL."""
    return URL(request.app.state.settings.public_url + quote(path))


def public_request_url(request: Request) -> URL:
    """The URL of this request as clients reach it: its path (without any ``root_path`` a proxy
    set, which the public URL already holds) and its query, under the public URL."""
    path, root = request.scope["path"], request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    url = public(request, path)
    query = request.url.query
    return url.replace(query=query) if query else url


def root_path(request: Request) -> str:
    """The path prefix a proxy serves the app under (``root_path``): the start of the
    same-origin links of the HTML pages."""
    return str(request.scope.get("root_path", "")).rstrip("/")
