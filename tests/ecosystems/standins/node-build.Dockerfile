# Stand-in for node:20 (builder): Debian's nodejs + npm (18.x), with the image's `node` user,
# yarn 1 on the PATH and corepack, as the official image has (corepack then fetches pnpm from
# the npm registry, reachable here; the registry mirror behind this machine's proxy serves no
# signatures, hence COREPACK_INTEGRITY_KEYS=0).
FROM localhost/debian:bookworm
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm ca-certificates \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin && useradd --create-home --uid 1000 node
ENV COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0
RUN npm install -g --no-fund --no-audit corepack@0.29.4 \
    && npm install -g --force --no-fund --no-audit yarn@1.22.22 && rm -rf /root/.npm
