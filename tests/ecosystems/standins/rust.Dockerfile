# Stand-in for rust:1-slim: Debian bookworm's rustc + cargo (1.63).
FROM localhost/debian:bookworm
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends rustc cargo libc6-dev gcc ca-certificates \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
ENV CARGO_HOME=/usr/local/cargo
