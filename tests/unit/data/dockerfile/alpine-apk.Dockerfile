FROM alpine:3.19
MAINTAINER Jane Doe <jane@example.com>
RUN apk add --no-cache python3 py3-pip \
 && adduser -D -u 10001 app
WORKDIR app
USER 10001
CMD python3 -m http.server 8000
