FROM ubuntu:latest
RUN apt-get update
RUN curl -fsSL https://get.example.com/install.sh | sh
RUN wget -qO- https://example.com/setup | bash -s -- --yes
EXPOSE 22
RUN sudo chmod 777 /opt
