# syntax=docker/dockerfile:1
# Own Pace's web image: the site's dependencies (no dev extras), the code, and the static
# files collected with hashed, compressed names. It runs as an unprivileged user that
# cannot write to the code. docker-compose.yml runs it once to migrate, then as the web
# replicas (uvicorn), behind the nginx proxy.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN groupadd --system --gid 10001 ownpace \
    && useradd --system --uid 10001 --gid ownpace --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin ownpace

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. The project itself
# ships no packages ([tool.setuptools] packages = []): `pip install .` installs its
# [project.dependencies], and the code runs from /app.
COPY pyproject.toml README.md ./
RUN pip install . && rm -rf build ./*.egg-info

COPY . .

# Static files at build time, with the production storage. The key only lets the settings
# load; the real one comes from the environment at run time.
RUN STATIC_MANIFEST=true SECRET_KEY=collectstatic-build-only-not-a-secret \
    python manage.py collectstatic --no-input -v 0

# The ownpace user (numeric, so that an orchestrator can verify it is not root). The code
# and static files stay owned by root: the site writes nothing to its own directory.
USER 10001:10001

ENV STATIC_MANIFEST=true
EXPOSE 8000

# docker-compose.yml runs migrations before this; run them yourself if you use the image
# on its own. uvicorn[standard] brings the websockets package, so it serves WebSockets too.
# No access log: it would record every visitor's address. No permessage-deflate: a live
# fragment is a few hundred bytes, and compressing it for every socket cost about 40 KB of
# memory per connection and much of the CPU of a fan-out (bench/fanout.py).
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", \
     "--proxy-headers", "--forwarded-allow-ips", "*", "--no-access-log", \
     "--ws-per-message-deflate", "false"]
