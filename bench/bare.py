"""The yardstick: a bare Flask endpoint with a fixed JSON body, under the same gunicorn settings.

`PORTAL_WSGI_APP=bench.bare:app gunicorn -c gunicorn.conf.py` serves it with
the portal's worker class, workers, threads and keep-alive, so the ratio of
a page's throughput to this one's shows what the page itself costs.
"""

from flask import Flask

app = Flask(__name__)
BODY = {"status": "ok", "service": "bare", "items": [1, 2, 3]}


@app.get("/")
def index():
    return BODY
