"""One app process, as one gunicorn worker would be: reads requests from stdin ("POST /login NAME"
or "GET /path"), answers each with its status code on stdout. tests/test_ratelimit.py runs two."""
from __future__ import annotations

import sys

from review import create_app

app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
client = app.test_client()
print("ready", flush=True)
for line in sys.stdin:
    method, path, *rest = line.split()
    if method == "POST":
        response = client.post(path, data={"username": rest[0], "password": "not the password"})
    else:
        response = client.get(path)
    print(response.status_code, flush=True)
