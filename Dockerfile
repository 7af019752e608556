# syntax=docker/dockerfile:1
# db-session-exporter image: build with the full toolchain, ship only what `npm pack` would publish
# (package.json "files") plus production dependencies.

FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm pack --pack-destination /tmp \
 && mkdir /app \
 && tar -xzf /tmp/db-session-exporter-*.tgz -C /app --strip-components=1 \
 && cp package-lock.json /app/

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && mkdir -p /etc/db-session-exporter /var/lib/db-session-exporter \
 && chown 65532:65532 /var/lib/db-session-exporter
# Numeric, so Kubernetes' runAsNonRoot can verify it; the Helm chart runs as the same uid.
USER 65532:65532
EXPOSE 9797
VOLUME ["/var/lib/db-session-exporter"]
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["--config.file=/etc/db-session-exporter/config.yml"]
