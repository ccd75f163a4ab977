"""The production entry point (``make serve``): refuses to serve unless ready for production."""

from app import create_app
from curriculum.readiness import ensure_ready

app = create_app()
ensure_ready(app)
