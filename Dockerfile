# liuhen (留痕): one image for `liuhen run --webhook` (default) and `liuhen run` (long polling).
# Plain on purpose: python slim, the package from this checkout, an unprivileged user, the data volume.
#   docker build -t liuhen .
#   docker run --rm --env-file liuhen.env -v liuhen-data:/var/lib/liuhen liuhen init
#   docker run -d --env-file liuhen.env -v liuhen-data:/var/lib/liuhen -p 127.0.0.1:8088:8088 liuhen
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    LIUHEN_DATA_DIR=/var/lib/liuhen \
    LIUHEN_WEBHOOK_LISTEN=0.0.0.0:8088 \
    LIUHEN_LOG_JSON=true

RUN useradd --system --create-home --home-dir /var/lib/liuhen --shell /usr/sbin/nologin liuhen

WORKDIR /opt/liuhen
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install .

USER liuhen
VOLUME ["/var/lib/liuhen"]
EXPOSE 8088
# SIGTERM drains: updates in flight are finished, new ones get 503 (allow 30 s: --stop-timeout 40)
STOPSIGNAL SIGTERM
ENTRYPOINT ["liuhen"]
CMD ["run", "--webhook"]
