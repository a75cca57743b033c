# Build with dev dependencies, run with production dependencies only, on Node.js 26 (Active LTS),
# the major the tests run on (package.json pins it). `npm run image` builds this file here with
# buildah; `docker build .` builds it unchanged wherever node:26-bookworm-slim can be pulled.
FROM node:26-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=optional
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:26-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional: the pinned Node.js binary the tests use is an optional dependency; the image has its own.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force

FROM node:26-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# A numeric non-root user, so runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532
EXPOSE 8080
# A young generation of 1 MiB semi-spaces (V8's default grows to 16): the operator's garbage is
# small and short-lived (parsed watch events), and the bigger default only held resident memory
# (npm run bench measures the image's flags: it reads them from this line).
ENTRYPOINT ["node", "--max-semi-space-size=1", "dist/main.js"]
