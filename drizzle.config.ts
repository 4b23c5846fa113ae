import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./state/schema.ts",
  out: "./state/migrations",
});
