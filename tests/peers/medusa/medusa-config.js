// A real Medusa 2.21 for Crosscart's adapter tests: PostgreSQL and Redis on
// loopback (started by `cargo xtask test --peers`), no admin dashboard.
const { defineConfig } = require("@medusajs/framework/utils")

const cors = process.env.CROSSCART_ORIGINS ?? "http://127.0.0.1"

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    redisUrl: process.env.REDIS_URL,
    http: {
      storeCors: cors,
      adminCors: cors,
      authCors: cors,
      jwtSecret: process.env.JWT_SECRET ?? "crosscart-test-only",
      cookieSecret: process.env.COOKIE_SECRET ?? "crosscart-test-only",
    },
  },
  admin: { disable: true },
  modules: [
    { resolve: "@medusajs/medusa/cache-redis", options: { redisUrl: process.env.REDIS_URL } },
    { resolve: "@medusajs/medusa/event-bus-redis", options: { redisUrl: process.env.REDIS_URL } },
  ],
})
