# One image for every Marshal service; docker-compose.yml picks the service by its command.
# NODE_IMAGE: a Node.js 20 (>= 20.19) image on Debian bookworm. On a machine without a registry,
# tools/docker/build-base-images.sh builds one (and NATS and PostgreSQL images) from Debian and npm packages.
ARG NODE_IMAGE=node:20-bookworm-slim

# The package manifests alone, so that the `npm ci` layer is reused until a package.json or the lock file changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete && find . -depth -type d -empty -delete
# Every stage ends labelled, so that the images an older build left untagged can be told apart and removed.
LABEL org.marshal.stage=manifests

FROM ${NODE_IMAGE} AS build
# The npm registry to install from (empty: npm's default).
ARG NPM_REGISTRY=
ENV NX_DAEMON=false NX_NO_CLOUD=true
WORKDIR /marshal
COPY --from=manifests /src ./
RUN if [ -n "$NPM_REGISTRY" ]; then export npm_config_registry="$NPM_REGISTRY"; fi \
 && npm ci --no-audit --no-fund
COPY . .
RUN npx nx run-many -t build --output-style=static && npm prune --omit=dev --no-audit --no-fund
LABEL org.marshal.stage=build

FROM ${NODE_IMAGE}
# tini reaps the tasks an agent's processes leave behind (PID 1 would not); procps gives tasks `ps` and `kill`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini procps ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /marshal
ENV NODE_ENV=production
COPY --from=build /marshal /marshal
RUN ln -s /marshal/apps/cli/bin/marshal.js /usr/local/bin/marshal \
 && for s in with-tokens marshal-token marshal-cli healthz; do ln -s "/marshal/tools/docker/bin/$s" "/usr/local/bin/$s"; done
EXPOSE 8080
ENTRYPOINT ["tini", "--"]
CMD ["with-tokens", "node", "apps/gateway/dist/main.js"]
LABEL org.marshal.stage=final
