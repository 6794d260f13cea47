# One image for every Marshal service; docker-compose.yml picks the service by its command.
FROM node:20-bookworm-slim AS build
WORKDIR /marshal
COPY package.json package-lock.json nx.json tsconfig.base.json tsconfig.json .swcrc ./
COPY libs ./libs
COPY apps ./apps
COPY tools ./tools
COPY e2e ./e2e
RUN npm ci && NX_DAEMON=false npx nx run-many -t build --output-style=static && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /marshal
ENV NODE_ENV=production
COPY --from=build /marshal /marshal
COPY examples ./examples
# Tasks run as processes inside the agent container: give them a shell and the usual tools.
RUN apt-get update && apt-get install -y --no-install-recommends procps ca-certificates && rm -rf /var/lib/apt/lists/*
EXPOSE 8080
CMD ["node", "apps/gateway/dist/main.js"]
