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

FROM debian:12-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libmicrohttpd12 libjansson4 libpq5 libssl3 libcurl4 libxml2 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/leadrouter /usr/local/bin/leadrouter
COPY config/container.conf /etc/leadrouter/leadrouter.conf
ENV LEADROUTER_CONFIG=/etc/leadrouter/leadrouter.conf
USER 65532:65532
EXPOSE 8080
# The migrations are compiled in: run `leadrouter migrate` once per release (a job or
# an init container), then `serve` on every replica.
ENTRYPOINT ["/usr/local/bin/leadrouter"]
CMD ["serve"]
