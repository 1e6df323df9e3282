# PAKN as a container image: one static binary in an empty image.
#   docker build -t pakn .
#   docker run -d -p 8080:8080 -v pakn-data:/data pakn
# The binary embeds its templates, assets, demo data and time zones. With
# PostgreSQL set PAKN_DATABASE_URL and PAKN_SECRET (see deploy/pakn.env.example).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO_ENABLED=0: pure Go (the SQLite driver is too), so the binary needs no
# libc and runs in scratch. TestStaticBinaryAsNonRoot checks the same build.
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/pakn . \
 && mkdir -p /out/data /out/tmp \
 && chown 65534:65534 /out/data \
 && chmod 1777 /out/tmp

FROM scratch
# CA certificates for SMTP over TLS, the national portal and the OpenID provider.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/pakn /pakn
COPY --from=build /out/data /data
COPY --from=build /out/tmp /tmp
ENV PAKN_DATA_DIR=/data \
    PAKN_ADDR=:8080 \
    PAKN_LOG_FORMAT=json
# nobody:nogroup; never root.
USER 65534:65534
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=6s --start-period=60s --retries=3 CMD ["/pakn", "healthcheck"]
ENTRYPOINT ["/pakn"]
CMD ["serve"]
