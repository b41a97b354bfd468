"""The web application and REST API (FastAPI): ``/api/v1`` for programs, pages (Jinja2, htmx
served as a static file) for people. Thin: parse, call a service as the signed-in principal,
render. Started by ``clearance serve``."""

from clearance.web._app import OPENAPI_URL, create_app

__all__ = ["OPENAPI_URL", "create_app"]
