# Stand-in for gcr.io/distroless/static-debian12: an empty image with CA certificates, tzdata
# and the nonroot user (65532), like the real one. No shell, no libc.
FROM localhost/debian:bookworm-slim AS src
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends tzdata ca-certificates \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
    && printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > /passwd \
    && printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > /group && mkdir -p /home/nonroot /tmpdir && chmod 1777 /tmpdir
FROM scratch
COPY --from=src /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=src /usr/share/zoneinfo /usr/share/zoneinfo
COPY --from=src /passwd /etc/passwd
COPY --from=src /group /etc/group
COPY --from=src --chown=65532:65532 /home/nonroot /home/nonroot
COPY --from=src /tmpdir /tmp
