# syntax=docker/dockerfile:1
FROM debian:12
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends python3
rm -rf /var/lib/apt/lists/*
EOF
RUN python3 <<'PY'
print("hello $HOME")
PY
COPY <<-CONF /etc/app.conf
	listen 8080
	log stdout
	CONF
RUN <<one cat && <<two cat
first
one
second
two
USER app
