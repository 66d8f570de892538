# One image for every component (DESIGN.md §2): operator, hub/MCP server, agent DaemonSet and the
# one-shot collector pod differ only by their arguments. Not built in this repository's CI (the
# test machine has no container engine); scripts/e2e-kind.sh builds and loads it where Docker exists.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY core core
COPY cli cli
COPY collector collector
COPY operator operator
COPY mcp-server mcp-server
COPY crds crds
COPY infra infra
COPY test test
RUN node_modules/.bin/tsc -p tsconfig.json && node dist/core/rules/gen-catalog-snapshot.js && npm prune --omit=dev

FROM node:22-bookworm-slim
# The collector's host tools (each missing one is recorded in the manifest, never fatal); nsenter
# (util-linux) runs them in the host's namespaces when the agent runs in a pod.
RUN apt-get update && apt-get install -y --no-install-recommends \
      tcpdump iproute2 iptables conntrack ethtool util-linux procps ipset ipvsadm nftables xfsprogs ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
# YAML data files ship beside the sources (core/util/data-path.ts finds them from dist/)
COPY core core
COPY collector/sources.yaml collector/sources.yaml
COPY sops sops
USER 65532:65532
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
