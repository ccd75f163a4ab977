"""Production serving (``make serve``): gunicorn on loopback behind a TLS-terminating proxy.

Every setting can be overridden from the environment, e.g. GUNICORN_WORKERS=4.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# A 36-handout packet renders in well under this; anything slower is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Load the app (and the rendered library) once, before forking, so workers share it.
preload_app = True
accesslog = "-"
# No query strings in the access log: search words and ids stay out of log files.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
