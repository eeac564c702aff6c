# Stand-in for gcr.io/distroless/python3-debian12: no shell, no package manager; Debian 12's
# python3.11 at /usr/bin/python3.11 with its standard library and the shared libraries its
# packages ship, CA bundle, zoneinfo, and the nonroot user (65532), like the real image.
FROM localhost/debian:bookworm-slim AS src
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3.11 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
    && mkdir -p /rootfs/etc/ssl/certs /rootfs/usr/share /rootfs/home/nonroot /rootfs/tmp \
       /rootfs/usr/bin /rootfs/usr/lib /rootfs/usr/lib64 \
    && ln -s usr/lib /rootfs/lib && ln -s usr/lib64 /rootfs/lib64 \
    && dpkg-query -W -f '${Package}\n' | grep -E '^(libc6|libgcc-s1|libstdc\+\+6|libssl3|zlib1g|libffi8|libexpat1|libbz2-1.0|liblzma5|libsqlite3-0|libreadline8|libncursesw6|libtinfo6|libuuid1|libmpdec3|libcrypt1|libdb5.3|libnsl2|libtirpc3|libgssapi-krb5-2|libkrb5-3|libk5crypto3|libkrb5support0|libcom-err2|libkeyutils1|media-types|libpython3.11-minimal|libpython3.11-stdlib|python3.11-minimal)(:amd64)?$' \
       | xargs dpkg -L | grep -v -E '^/usr/share/(doc|man|lintian)/' | while read -r f; do \
         if [ -f "$f" ] || [ -L "$f" ]; then echo "$f"; fi; done > /files \
    && tar -cf - -T /files | tar -xf - -C /rootfs \
    && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
    && cp -a /usr/share/zoneinfo /rootfs/usr/share/ \
    && ln -sf python3.11 /rootfs/usr/bin/python3 \
    && printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > /rootfs/etc/passwd \
    && printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > /rootfs/etc/group \
    && chown 65532:65532 /rootfs/home/nonroot && chmod 1777 /rootfs/tmp \
    && test ! -e /rootfs/bin/sh && test -x /rootfs/usr/bin/python3.11
FROM scratch
COPY --from=src /rootfs/ /
USER 65532:65532
ENTRYPOINT ["/usr/bin/python3.11"]
