FROM debian@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ADD https://example.com/releases/tool-1.2.tar.gz /opt/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/x.tgz /opt/x.tgz
ADD app.tar.gz /srv/
ADD ["src dir/", "/app/"]
VOLUME ["/var/lib/data", "/var/log"]
