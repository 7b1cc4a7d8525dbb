# syntax=docker/dockerfile:1
# Build stage: install production dependencies (sqlite3 compiles here, with the toolchain the runtime image lacks).
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY src ./src
COPY commands ./commands

# Runtime stage: Node 24 runs the TypeScript sources directly (type stripping), as a non-root user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    STORAGE_URL=sqlite:///data/bot.sqlite
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
# SIGTERM from `docker stop` is handled: in-flight work finishes, connections close, exit 0.
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=1", "src/index.ts"]
