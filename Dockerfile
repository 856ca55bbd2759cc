# leadrouter image: build with the build subset of scripts/install-deps.sh, ship only the
# binary and its runtime libraries.
FROM debian:12-slim AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential pkg-config libmicrohttpd-dev libjansson-dev libpq-dev libssl-dev \
      libcurl4-openssl-dev libxml2-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY include include
COPY src src
COPY migrations migrations
COPY sql sql
COPY scripts scripts
RUN make all

# curl is for health checks that run inside the container (deploy/compose.yaml): it adds
# only its own small binary, libcurl being needed anyway.
FROM debian:12-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libmicrohttpd12 libjansson4 libpq5 libssl3 libcurl4 libxml2 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/leadrouter /usr/local/bin/leadrouter
COPY config/container.conf /etc/leadrouter/leadrouter.conf
ENV LEADROUTER_CONFIG=/etc/leadrouter/leadrouter.conf
USER 65532:65532
EXPOSE 8080
# The migrations are compiled in: run `leadrouter migrate` once per release (the Job
# of deploy/kubernetes/), then `serve` on every replica. Bulk loads spool to $TMPDIR
# (else /tmp): with a read-only root filesystem, mount something writable there.
ENTRYPOINT ["/usr/local/bin/leadrouter"]
CMD ["serve"]
