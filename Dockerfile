# rk6 as a drop-in k6 image: `k6` on PATH is rk6, and `sh` exists (k6-operator runs its
# initializer and, with `spec.arguments`, its runners through `sh -c`). See docs/distributed.md.
#
#   docker build -t rk6 .
#   docker run --rm -v "$PWD:/scripts" rk6 run /scripts/test.js

FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# Declared as example targets in Cargo.toml: cargo wants their files to exist.
COPY bench ./bench
# debug = 1 in the release profile only serves profiling; the image does not need it.
ENV CARGO_PROFILE_RELEASE_DEBUG=0
RUN cargo build --release --locked --bin rk6 \
    && strip target/release/rk6

# Debian slim: glibc (rk6 links it), sh, and the CA bundle rk6 trusts like k6 does.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 12345 --create-home --shell /bin/sh k6
COPY --from=build /src/target/release/rk6 /usr/bin/rk6
RUN ln -s /usr/bin/rk6 /usr/bin/k6
USER 12345
WORKDIR /home/k6
# k6's image has the same entrypoint; k6-operator overrides it with `k6 run ...`.
ENTRYPOINT ["k6"]
