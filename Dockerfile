# Homeward web, worker and beat image (docker-compose.yml runs all three).

# Browser libraries served by the app itself (Chart.js), pinned by package-lock.json.
FROM node:20-bookworm-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 homeward

WORKDIR /app
# The whole tree but what .dockerignore leaves out: every app, its templates and
# its files (the PDF fonts in reports/fonts), without a list of apps to keep up.
COPY . ./
RUN pip install .
COPY --from=assets /assets/node_modules/chart.js/dist ./node_modules/chart.js/dist
# collectstatic and compilemessages (the ru/ky catalogues; .mo files are not committed)
# need settings but no database or secret.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && DJANGO_SECRET_KEY=collectstatic-only python manage.py compilemessages --locale ru --locale ky

USER homeward
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
