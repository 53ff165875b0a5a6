# syntax=docker/dockerfile:1
# The worker and the Slack bridge: one image, two commands (docker-compose.yml picks one).
# Built JavaScript and production dependencies only; runs as the unprivileged `node` user.

ARG NODE_IMAGE=node:20.19.5-bookworm-slim

# Compile TypeScript to dist/ (tsconfig.build.json mirrors the source tree under dist/).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY activities ./activities
COPY workflows ./workflows
COPY worker ./worker
COPY client ./client
RUN npm run build

# Production dependencies alone, in a stage of their own so no dev tool reaches the final image.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# git for the GitOps owner (install.owner: gitops): the worker commits each hop to the change
# branch. With its own CA bundle and ssh client, so https and ssh remotes both work.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates openssh-client \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Owned by root and only readable by `node`: the process cannot rewrite its own code.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/worker/main.js"]
