# The PolicyHub web app under gunicorn. Built by docker-compose.yml.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH="/opt/venv/bin:$PATH"

RUN pip install --no-cache-dir uv

WORKDIR /app
# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --locked --no-dev --no-install-project

COPY . .
# collectstatic needs a key to import settings; the real one comes from the environment.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input

RUN useradd --system --home /app policyhub && chown -R policyhub /app
USER policyhub

EXPOSE 8000
# Threaded workers with keep-alive, as configured in gunicorn.conf.py (read from /app).
CMD ["gunicorn", "policyhub.wsgi:application"]
