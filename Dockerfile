# One image for the API, the worker, the migrations and the simulator; the command picks the role
# (docker-compose.yml). Compiled JavaScript on Node 24, no TypeScript toolchain at run time.
#   docker build -t polygon-backfill .
#   docker run --rm polygon-backfill node dist/src/worker.js
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# Build stage: every dependency, then `npm run build` (tsc + the workflow bundle) into dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# postinstall would fetch a Temporal CLI for the dev server: images use a real Temporal.
ENV BACKFILL_SKIP_TEMPORAL_BUILD=1
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY migrations ./migrations
RUN npm run build

# Final stage: production dependencies only, the compiled build, an init, a non-root user.
FROM ${NODE_IMAGE}
# tini is PID 1: it forwards SIGTERM to node (which shuts the worker down within its grace time)
# and reaps zombies; node itself runs directly, never under npm.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# No lifecycle scripts: the only one of ours fetches the dev-only Temporal CLI.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY --from=build /app/dist ./dist
# Everything above stays root-owned, so the service cannot rewrite its own code.
USER node
# API, simulator, worker metrics (WORKER_METRICS_PORT).
EXPOSE 8000 9100 9464
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/api/server.js"]
