# Stand-in for eclipse-temurin:17-jre: Debian's OpenJDK 17 JRE on bookworm-slim.
FROM localhost/debian:bookworm-slim
RUN mkdir -p /usr/share/man/man1 && apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
