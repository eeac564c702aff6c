# Stand-in for maven:3-eclipse-temurin-17: Debian's OpenJDK 17 + Maven 3.8, offline.
# Maven Central is unreachable here; Debian packages the common plugins into
# /usr/share/maven-repo, and its Maven defaults to those versions, so a global settings.xml
# making that the (offline) local repository lets `mvn package` work unchanged.
FROM localhost/debian:bookworm
RUN mkdir -p /usr/share/man/man1 && apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless maven \
       libmaven-compiler-plugin-java libmaven-jar-plugin-java libmaven-resources-plugin-java \
       libsurefire-java libmaven-install-plugin-java libmaven-dependency-plugin-java \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
    && printf '<settings><localRepository>/usr/share/maven-repo</localRepository><offline>true</offline></settings>\n' > /etc/maven/settings.xml
