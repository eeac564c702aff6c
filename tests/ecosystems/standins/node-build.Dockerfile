# Stand-in for node:20 (builder): Debian's nodejs + npm (18.x), with the image's `node` user.
FROM localhost/debian:bookworm
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm ca-certificates \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin && useradd --create-home --uid 1000 node
