# Stand-in for busybox:stable (static file server: `httpd`): Debian's busybox on bookworm-slim.
FROM localhost/debian:bookworm-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends busybox \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
CMD ["busybox", "sh"]
