# Stand-in for node:20-slim (runtime): Debian's nodejs without npm, with the `node` user.
FROM localhost/debian:bookworm-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin && useradd --create-home --uid 1000 node
