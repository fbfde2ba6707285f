FROM debian:12-slim

LABEL org.opencontainers.image.title="web" \
      org.opencontainers.image.vendor="Example Corp"

# tools for the health check
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates \
        curl=7.88.1-10+deb12u5 \
        nginx \
    && rm -rf /var/lib/apt/lists/*

COPY nginx.conf /etc/nginx/nginx.conf
EXPOSE 80/tcp 443
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost/ || exit 1
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
