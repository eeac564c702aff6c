# Stand-in for golang:1.x (no registry here): Debian bookworm's Go toolchain (1.19), with gcc
# and libc headers for cgo, as the official image has.
FROM localhost/debian:bookworm
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends golang-go ca-certificates git gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
ENV GOPATH=/go PATH=/usr/lib/go/bin:/go/bin:$PATH GOTOOLCHAIN=local GOPROXY=off
WORKDIR /go
