# Toolgate gateway image: multi-stage, production dependencies only, non-root, with a health check.
# Build: docker build -t toolgate .      Run: docker run -p 8080:8080 toolgate
# It ships what `toolgate serve` runs: the gateway, its CLI, and the vLLM simulator that serve
# starts when no upstream is configured (also `toolgate sim`) — not the load test or the eval,
# which run from the npm package (gateway/test/e2e/image-layout.test.ts runs this layout).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY gateway/src gateway/src
COPY loadtest/src loadtest/src
COPY eval/src eval/src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/package.json package.json
COPY --from=build /app/dist/gateway/src dist/gateway/src
# (with its profiles/*.json, which the build emits beside the modules that import them)
COPY --from=build /app/dist/loadtest/src/sim dist/loadtest/src/sim
# The base image's `node` user, by number (uid/gid 1000, as the chart's securityContext runs it):
# a name may not resolve on the host or under a runtime that checks runAsNonRoot.
RUN mkdir -p /data && chown 1000:1000 /data
USER 1000:1000
EXPOSE 8080
VOLUME ["/data"]
# Exec form: no shell in between, so the probe is node itself and nothing else.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/gateway/src/cli/main.js"]
CMD ["serve"]
