# Builds any Flotilla service as a single binary: docker build --build-arg SERVICE=orders .
# (SERVICE=provider-sim builds the mailer's provider simulator; SERVICE=provision the provision
# step, tools/provision.ts, that compose runs before the services.)
ARG DENO_VERSION=2.9.6

FROM denoland/deno:${DENO_VERSION} AS build
ARG SERVICE
WORKDIR /src
COPY deno.json deno.lock ./
COPY packages ./packages
COPY services ./services
COPY migrations ./migrations
COPY tools ./tools
RUN deno install --frozen
RUN test -n "${SERVICE}" || (echo "build with --build-arg SERVICE=<name>" && exit 1)
RUN entry="services/${SERVICE}/main.ts"; \
    [ "${SERVICE}" = "provider-sim" ] && entry="tools/provider-sim/main.ts"; \
    [ "${SERVICE}" = "provision" ] && entry="tools/provision.ts"; \
    deno compile -A --frozen --include migrations --output /out/service "$entry"

# A static wget for container health checks; the runtime image has no shell.
FROM busybox:1.36-musl AS busybox

FROM gcr.io/distroless/cc-debian12:nonroot
ARG SERVICE
# The name its traces carry when OTEL_DENO=true (Deno reads it at start).
ENV OTEL_SERVICE_NAME=${SERVICE}
COPY --from=build /out/service /app/service
COPY --from=busybox /bin/wget /bin/wget
USER nonroot
ENTRYPOINT ["/app/service"]
