# The production server (README "Production → Container"): the same dist/ that `npm run build`
# makes and test/build/server.test.ts runs, on Node 20, as a non-root user, node as PID 1.
# Not built on the machine where it was written (no container engine there): build it once
# before relying on it.

# 1. Build dist/ with the dev dependencies (esbuild, tsx).
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# 2. Runtime dependencies only (postgres.js is patched by the postinstall script).
FROM node:20-slim AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. The image: node_modules and dist/, owned by root and read-only to the user that runs them.
FROM node:20-slim
# MALLOC_*: glibc gives freed memory back (scripts/node-flags.ts, with CMD's heap flags).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY --from=runtime-deps /app/package.json ./package.json
COPY --from=build /app/dist ./dist
# The image's own unprivileged user (uid 1000).
USER node
EXPOSE 8000
# /health/ answers "Ok" while the database answers within 2 s, else 503 (docs/endpoints.md §16, D19).
# node's own fetch: the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health/`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself; it finishes in-flight requests and exits 0.
# The flag bounds V8's young generation (scripts/node-flags.ts: with the server's own bound of the old
# one and the MALLOC_* settings, peak RSS under the bench's load 199–217 → 122 MB).
CMD ["node", "--max-semi-space-size=8", "--min-semi-space-size=8", "dist/server.js"]
