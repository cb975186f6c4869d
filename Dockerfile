# The AI Stack Deployer portal. Build context: the repository root.
#
#   docker build -t git.app.flexinit.nl/oussamadouhou/ai-stack-deployer:latest .
#
# Two stages on Debian-based oven/bun images: one installs the production dependencies,
# the other runs the TypeScript sources directly with Bun (no build step). The page
# (web/) is bundled by the portal itself on its first request.
ARG BUN_IMAGE=oven/bun:1.4-debian
ARG BUN_RUNTIME_IMAGE=oven/bun:1.4-slim

# --- production dependencies -----------------------------------------------------------
FROM ${BUN_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Bun reads package-lock.json (it migrates it in memory); --frozen-lockfile fails the build
# when package.json and the lockfile disagree. No dev dependencies, no install scripts.
RUN bun install --production --frozen-lockfile --ignore-scripts \
 && rm -rf /root/.bun/install/cache

# --- runtime ---------------------------------------------------------------------------
FROM ${BUN_RUNTIME_IMAGE} AS runtime

LABEL org.opencontainers.image.title="ai-stack-deployer" \
      org.opencontainers.image.description="Self-service portal that deploys personal OpenCode AI coding stacks through the Dokploy API"

# Bun keeps a DNS answer for 30 s; Swarm's tasks.<service> names change address with every
# new task, and a probe that asked the old one waited on a container that was gone.
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/data \
    BUN_CONFIG_DNS_TIME_TO_LIVE_SECONDS=1

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY web ./web

# The SQLite database lives on a volume at /data. A new named volume takes the ownership of
# this directory, so the unprivileged user can write to it.
RUN mkdir -p /data && chown bun:bun /data

# The base image's unprivileged user (uid 1000).
USER bun
VOLUME ["/data"]
EXPOSE 3000

# There is no curl in the image: Bun's fetch asks /health (200 when healthy or degraded,
# 503 when the portal itself cannot work).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["bun", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]

# SIGTERM stops the portal cleanly; deployments in progress resume at the next start.
STOPSIGNAL SIGTERM
CMD ["bun", "src/main.ts"]
