# ringline: the engine and its gateway, compiled JavaScript on plain node.
#   docker build -t ringline .
#   docker run -d --name ringline -p 7400:7400 -p 7401:7401 -v ringline-data:/var/lib/ringline ringline
#   docker exec ringline cat /var/lib/ringline/admin.key   # the admin key generated on first start (or set RINGLINE_ADMIN_KEY); never logged
# The native WebSocket server needs glibc >= 2.34 with Node 20 (bookworm has 2.36; not Alpine/musl).

ARG NODE_IMAGE=node:20-bookworm-slim

# Build: dev dependencies (typescript) and the sources, then only production dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY client/package.json client/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# The uWS package carries native binaries for every platform and Node ABI (~110 MB): keep this one.
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -f node_modules/@ringline/client \
 && UWS=node_modules/@trufflesuite/uws-js-unofficial \
 && KEEP="uws_$(node -p 'process.platform + "_" + process.arch + "_" + process.versions.modules').node" \
 && test -f "$UWS/binaries/$KEEP" \
 && find "$UWS/binaries" -name '*.node' ! -name "$KEEP" -delete \
 && rm -rf "$UWS/docs" "$UWS"/dist/*.node

# Run: compiled JavaScript, production dependencies, a non-root user, the data directory a volume.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    RINGLINE_DATA=/var/lib/ringline \
    RINGLINE_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
RUN mkdir -p /var/lib/ringline && chown node:node /var/lib/ringline
USER node
VOLUME ["/var/lib/ringline"]
EXPOSE 7400 7401
# Liveness: the HTTP listener answers /health (200 while the engine runs).
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.RINGLINE_WS_PORT || 7401) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM from `docker stop` itself (drain, then exit 0).
STOPSIGNAL SIGTERM
CMD ["node", "dist/cli/ringline.js", "start"]
