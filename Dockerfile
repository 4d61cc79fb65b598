# Production image of Instaclone.
#
#   docker build -t instaclone .
#   docker run --rm --env-file prod.env instaclone python manage.py migrate   # before each release
#   docker run -d -p 8000:8000 --env-file prod.env instaclone                 # HTTP and /ws/
#
# Behind a reverse proxy, the same image runs each kind of process (README "Deploying"):
#   ... instaclone python -m instaclone.serve --host 0.0.0.0 --port 8000 --role http   (or ws)
#   ... --no-healthcheck instaclone celery -A instaclone worker --concurrency 2
#
# prod.env holds the production variables of the README's configuration table (SECRET_KEY,
# ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, AWS_*, NUM_PROXIES, ...). The image defaults to
# DEBUG=0 (JSON logs on stderr), so the container refuses to start without a SECRET_KEY.
# Without DATABASE_URL and S3 it falls back to SQLite and local media under /app/data: mount
# a volume there (for both commands above) and run one container.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DEBUG=0 \
    SQLITE_PATH=/app/data/db.sqlite3 \
    MEDIA_ROOT=/app/data/media

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The code stays owned by root (read-only for the app user); only /app/data is writable.
COPY . .
RUN SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime DEBUG=0 \
        python manage.py collectstatic --no-input --verbosity 0 \
    && mkdir -p /app/data/media \
    && chown -R app:app /app/data

USER app
EXPOSE 8000

# /healthz checks the database and the channel layer. The Host header must be one of
# ALLOWED_HOSTS (the first one is used; a leading "." or "*" is reduced to a plain name).
# A Celery worker serves no HTTP: run it with --no-healthcheck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request as r; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.*') or 'localhost'; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=4)"

CMD ["python", "-m", "instaclone.serve", "--host", "0.0.0.0", "--port", "8000"]
