# One image for the web server, Celery worker and Celery beat; the command picks the role.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HUB_DATA_DIR=/var/lib/contact-hub
WORKDIR /app
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopus0 libvpx7 libsrtp2-1 \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY contact_hub ./contact_hub
COPY rvr ./rvr
COPY social ./social
COPY callback ./callback
COPY manage.py ./
RUN pip install --no-cache-dir . \
    && python manage.py collectstatic --noinput \
    && useradd --system --home /app hub \
    && mkdir -p /var/lib/contact-hub && chown -R hub /var/lib/contact-hub
USER hub
EXPOSE 8000
CMD ["python", "manage.py", "serve", "--host", "0.0.0.0", "--port", "8000"]
