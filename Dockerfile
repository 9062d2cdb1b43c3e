# One image for the API, the worker and the simulator; the command picks the role.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production BACKFILL_SKIP_TEMPORAL_BUILD=1
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci && npm cache clean --force
COPY . .
USER node
EXPOSE 8000
CMD ["npm", "run", "api"]
