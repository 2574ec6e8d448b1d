# photoaudit as a container job: scans /in and writes safe copies and
# reports to /out. Both stages install with scripts/setup.sh, the same
# script the tests run.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY scripts/setup.sh scripts/setup.sh
RUN scripts/setup.sh build && rm -rf /var/lib/apt/lists/*
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -o /out/photoaudit ./cmd/photoaudit \
 && /out/photoaudit models install --dir /out/models

FROM debian:bookworm-slim
COPY scripts/setup.sh /usr/local/share/photoaudit/setup.sh
RUN /usr/local/share/photoaudit/setup.sh runtime && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin photoaudit \
 && mkdir -p /in /out && chown photoaudit /out
COPY --from=build /out/photoaudit /usr/local/bin/photoaudit
COPY --from=build /out/models /usr/local/share/photoaudit/models
# Tesseract's OpenMP threads fight the worker pool; one thread a worker is faster.
ENV OMP_THREAD_LIMIT=1
VOLUME ["/in", "/out"]
USER photoaudit
ENTRYPOINT ["photoaudit"]
CMD ["scan", "/in", "--out", "/out"]
