# Stand-in for gradle:8-jdk17: Debian's OpenJDK 17 + Gradle 4.4.1 (the only Gradle Debian
# packages), offline. Gradle 4.4 has no Kotlin DSL, no toolchains and no JavaVersion.VERSION_17,
# so only Groovy build scripts in Gradle 4 syntax build here (see docs/ecosystems.md).
FROM localhost/debian:bookworm
RUN mkdir -p /usr/share/man/man1 && apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless gradle \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
