# Stand-in for gcr.io/distroless/cc-debian12: like the distroless-static stand-in (CA bundle,
# zoneinfo, nonroot 65532, no shell) plus glibc, libgcc_s and libstdc++ from Debian, which is
# what the real image adds for C/C++/Rust binaries.
FROM localhost/debian:bookworm-slim AS src
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends tzdata ca-certificates libstdc++6 \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
    && mkdir -p /rootfs/etc/ssl/certs /rootfs/usr/share /rootfs/home/nonroot /rootfs/tmp \
    && dpkg -L libc6 libgcc-s1 libstdc++6 | grep -E '\.so' | while read -r f; do \
         if [ -f "$f" ] || [ -L "$f" ]; then echo "$f"; fi; done > /files \
    && tar -cf - -T /files | tar -xf - -C /rootfs \
    && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
    && cp -a /usr/share/zoneinfo /rootfs/usr/share/ \
    && printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > /rootfs/etc/passwd \
    && printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > /rootfs/etc/group \
    && chown 65532:65532 /rootfs/home/nonroot && chmod 1777 /rootfs/tmp
FROM scratch
COPY --from=src /rootfs/ /
