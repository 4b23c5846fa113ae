// POST /servers/{id}/actions/{action}: power, resize, rebuild, backups and protection. Each answers
// 201 with a running action; the change (and the sshd starting or stopping) happens when it ends.
import { Hono } from "hono";
import { SERVER_TYPES, byIdOrName, orderable } from "../catalog.ts";
import { actionJson } from "../actions.ts";
import { HetznerApiError, invalidInput, notFound, pathId, readBody } from "../http.ts";
import { powerOff, powerOn, type EmulatorContext } from "../machines.ts";
import type { ServerRecord, ServerStatus } from "../state.ts";
import { findImage } from "./servers.ts";

interface Step {
  command: string;
  /** The status while the action runs, if it changes at once. */
  during?: ServerStatus;
  effect: () => unknown;
  /** Extra top-level fields of the answer (rebuild's root_password). */
  extra?: Record<string, unknown>;
}

type Builder = (ctx: EmulatorContext, server: ServerRecord, body: Record<string, unknown>) => Step;

const restart = (ctx: EmulatorContext, server: ServerRecord) => async () => {
  await ctx.hosts.stop(server.hostId);
  await powerOn(ctx, server);
};

const ACTIONS: Record<string, Builder> = {
  poweron: (ctx, s) => ({ command: "start_server", during: s.status === "off" ? "starting" : undefined, effect: () => powerOn(ctx, s) }),
  poweroff: (ctx, s) => ({ command: "stop_server", during: s.status === "running" ? "stopping" : undefined, effect: () => powerOff(ctx, s) }),
  shutdown: (ctx, s) => ({ command: "shutdown_server", during: s.status === "running" ? "stopping" : undefined, effect: () => powerOff(ctx, s) }),
  reboot: (ctx, s) => ({ command: "reboot_server", effect: restart(ctx, s) }),
  reset: (ctx, s) => ({ command: "reset_server", effect: restart(ctx, s) }),
  change_type: (_ctx, s, body) => {
    if (s.status !== "off") throw new HetznerApiError(409, "server_not_stopped", "server must be stopped before changing its type");
    const type = byIdOrName(SERVER_TYPES, body.server_type as string);
    if (!type) throw invalidInput("server_type", `server type '${body.server_type}' not found`);
    if (!orderable(type, s.datacenter.location.name)) {
      throw new HetznerApiError(400, "invalid_server_type", "server type is not available in the server's location");
    }
    if (type.architecture !== s.type.architecture) throw new HetznerApiError(400, "invalid_server_type", "server type has a different architecture");
    const upgradeDisk = body.upgrade_disk === true;
    // A disk never shrinks: a smaller type fits only while the disk was never upgraded past it.
    if (type.disk < s.primaryDiskSize) {
      throw new HetznerApiError(400, "invalid_server_type", "disk of the new server type is too small");
    }
    return {
      command: "change_server_type",
      effect: () => {
        s.type = type;
        if (upgradeDisk) s.primaryDiskSize = type.disk;
      },
    };
  },
  rebuild: (ctx, s, body) => {
    if (s.protection.rebuild) throw new HetznerApiError(423, "protected", "server is rebuild protected");
    const image = findImage(body.image, s.type);
    return {
      command: "rebuild_server",
      during: "rebuilding",
      effect: async () => {
        s.image = image;
        await restart(ctx, s)();
      },
      extra: { root_password: null },
    };
  },
  enable_backup: (_ctx, s) => ({ command: "enable_backup", effect: () => void (s.backupWindow = "22-02") }),
  disable_backup: (_ctx, s) => ({ command: "disable_backup", effect: () => void (s.backupWindow = null) }),
  change_protection: (_ctx, s, body) => ({
    command: "change_protection",
    effect: () => {
      if (typeof body.delete === "boolean") s.protection.delete = body.delete;
      if (typeof body.rebuild === "boolean") s.protection.rebuild = body.rebuild;
    },
  }),
};

export function serverActionRoutes(ctx: EmulatorContext) {
  const app = new Hono();
  app.post("/:id/actions/:action", async (c) => {
    const server = ctx.state.servers.get(pathId(c));
    if (!server) throw notFound("server", c.req.param("id"));
    const build = ACTIONS[c.req.param("action")];
    if (!build) throw new HetznerApiError(404, "not_found", `action '${c.req.param("action")}' not found`);
    if (server.status === "deleting") throw new HetznerApiError(423, "locked", "server is locked by a running action");
    const step = build(ctx, server, await readBody(c));
    const action = ctx.actions.create(step.command, [{ id: server.id, type: "server" }]);
    if (step.during) server.status = step.during;
    void ctx.actions.run(action, step.effect);
    return c.json({ action: actionJson(action), ...step.extra }, 201);
  });
  return app;
}
