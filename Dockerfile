# ci-guard's action image: one static binary on distroless (CA roots, /etc/passwd, nothing else).
# Base images are pinned by digest; Dependabot (docker ecosystem) proposes updates.
#
#   docker build -t ci-guard .
#   docker run --rm -v "$PWD:/github/workspace" -w /github/workspace ci-guard audit
#
# The binary links glibc statically (+crt-static). glibc >= 2.34 carries the `files` and `dns`
# name services inside libc, so a static binary resolves host names without NSS modules.

# rust:1.85-slim-bookworm
FROM rust:1.85-slim-bookworm@sha256:9f841bbe9e7d8e37ceb96ed907265a3a0df7f44e3737d0b100e7907a679acb36 AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY docs ./docs
COPY data ./data
ENV RUSTFLAGS="-C target-feature=+crt-static"
RUN cargo build --locked --release --target x86_64-unknown-linux-gnu \
 && cp target/x86_64-unknown-linux-gnu/release/ci-guard /ci-guard \
 && /ci-guard --version

# gcr.io/distroless/static-debian12 (root user: GitHub runs Docker actions as root)
FROM gcr.io/distroless/static-debian12@sha256:4b2a093ef4649bccd586625090a3c668b254cfe180dee54f4c94f3e9bd7e381e
COPY --from=build /ci-guard /usr/local/bin/ci-guard
ENTRYPOINT ["/usr/local/bin/ci-guard"]
CMD ["run"]
