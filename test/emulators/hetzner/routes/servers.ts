// /servers: create (with its create_server action and next_actions), read, list, update, delete.
import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import { byIdOrName, DATACENTERS, IMAGES, LOCATIONS, orderable, SERVER_TYPES, type ImageJson, type ServerTypeJson } from "../catalog.ts";
import { actionJson, type ActionRecord } from "../actions.ts";
import { checkLabels, HetznerApiError, invalidInput, matchesSelector, notFound, now, paginated, pathId, readBody, sortBy } from "../http.ts";
import { powerOn, provisionHost, removeServer, type EmulatorContext } from "../machines.ts";
import type { ServerRecord } from "../state.ts";

/** A field error whose message is the API's own wording for that case (e.g. `location 'x' not found`). */
function badField(field: string, message: string): HetznerApiError {
  return new HetznerApiError(400, "invalid_input", message, { fields: [{ name: field, messages: [message] }] });
}

// RFC 1123 hostname, as the API requires for server names.
const HOSTNAME = /^(?=.{1,63}$)[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;

export function checkServerName(ctx: EmulatorContext, name: unknown, self?: number): string {
  if (typeof name !== "string" || !HOSTNAME.test(name)) throw invalidInput("name", "Name must be a valid hostname.");
  const clash = ctx.state.serverByName(name);
  if (clash && clash.id !== self) throw new HetznerApiError(409, "uniqueness_error", "server name is already used", { fields: [{ name: "name", messages: ["is already used"] }] });
  return name;
}

export function findServerType(key: unknown): ServerTypeJson {
  if (typeof key !== "string" && typeof key !== "number") throw invalidInput("server_type", "is missing");
  const type = byIdOrName(SERVER_TYPES, key);
  if (!type) throw badField("server_type", `server type '${key}' not found`);
  return type;
}

/** An image by id, or by name for the server type's architecture (the API resolves names that way). */
export function findImage(key: unknown, type: ServerTypeJson): ImageJson {
  if (typeof key !== "string" && typeof key !== "number") throw invalidInput("image", "is missing");
  const s = String(key);
  const image = /^\d+$/.test(s)
    ? IMAGES.find((i) => i.id === Number(s))
    : IMAGES.find((i) => i.name === s && i.architecture === type.architecture);
  if (!image) throw badField("image", `image '${key}' not found`);
  if (image.architecture !== type.architecture) throw badField("image", "image architecture does not match server type architecture");
  return image;
}

function placement(body: Record<string, unknown>, type: ServerTypeJson) {
  let dc;
  if (body.datacenter !== undefined && body.datacenter !== null) {
    dc = byIdOrName(DATACENTERS, body.datacenter as string);
    if (!dc) throw badField("datacenter", `datacenter '${body.datacenter}' not found`);
  } else if (body.location !== undefined && body.location !== null) {
    const loc = byIdOrName(LOCATIONS, body.location as string);
    if (!loc) throw badField("location", `location '${body.location}' not found`);
    dc = DATACENTERS.find((d) => d.location.id === loc.id)!;
  } else {
    const first = type.locations.find((l) => l.available) ?? type.locations[0]!;
    dc = DATACENTERS.find((d) => d.location.name === first.name)!;
  }
  if (!orderable(type, dc.location.name)) throw badField("server_type", "unsupported location for server type");
  return dc;
}

export function serverRoutes(ctx: EmulatorContext) {
  const app = new Hono();
  const { state, faults, actions } = ctx;

  const mustServer = (id: number): ServerRecord => {
    const s = state.servers.get(id);
    if (!s) throw notFound("server", id);
    return s;
  };

  app.post("/", async (c) => {
    const body = await readBody(c);
    const name = checkServerName(ctx, body.name);
    const type = findServerType(body.server_type);
    const image = findImage(body.image, type);
    const datacenter = placement(body, type);
    const labels = checkLabels(body.labels);
    const keys = ((body.ssh_keys ?? []) as unknown[]).map((k) => {
      const key = byIdOrName([...state.sshKeys.values()], k as string);
      if (!key) throw badField("ssh_keys", `ssh key '${k}' not found`);
      return key;
    });
    const firewalls = ((body.firewalls ?? []) as { firewall?: unknown }[]).map((f) => {
      const fw = state.firewalls.get(Number(f?.firewall));
      if (!fw) throw badField("firewalls", `firewall '${f?.firewall}' not found`);
      return fw;
    });
    if (body.user_data !== undefined && (typeof body.user_data !== "string" || body.user_data.length > 32 * 1024)) {
      throw invalidInput("user_data", "must be a string of at most 32 KiB");
    }
    if (faults.take("quota")) throw new HetznerApiError(403, "resource_limit_exceeded", "server limit exceeded");
    const publicNet = (body.public_net ?? {}) as { enable_ipv4?: boolean; enable_ipv6?: boolean };
    const id = state.nextId();
    const server: ServerRecord = {
      id,
      name,
      status: "initializing",
      created: now(),
      labels,
      type,
      image,
      datacenter,
      authorizedKeys: keys.map((k) => k.public_key),
      userData: (body.user_data as string | undefined) ?? null,
      ipv4: null,
      ipv6: publicNet.enable_ipv6 === false ? null : { id: state.nextId(), ip: `2001:db8:${(id % 0xffff).toString(16)}::/64` },
      backupWindow: null,
      protection: { delete: false, rebuild: false },
      primaryDiskSize: type.disk,
      hostId: `${ctx.hostPrefix}-${id}`,
    };
    // Registered before its host exists so that a concurrent create cannot take the same name.
    state.servers.set(id, server);
    let address: string;
    try {
      address = await provisionHost(ctx, server);
    } catch (err) {
      state.servers.delete(id);
      await ctx.hosts.remove(server.hostId);
      throw new HetznerApiError(500, "server_error", `emulator could not create the server's host: ${(err as Error).message}`);
    }
    if (publicNet.enable_ipv4 !== false) server.ipv4 = { id: state.nextId(), ip: address };
    for (const fw of firewalls) fw.appliedTo.push({ type: "server", server: { id } });

    const failure = faults.take("action-fails");
    const create = actions.create("create_server", [{ id, type: "server" }]);
    const next: ActionRecord[] = [];
    const start = body.start_after_create === false ? undefined : actions.create("start_server", [{ id, type: "server" }]);
    if (start) next.push(start);
    for (const fw of firewalls) {
      const apply = actions.create("apply_firewall", [{ id, type: "server" }, { id: fw.id, type: "firewall" }]);
      next.push(apply);
      void actions.run(apply);
    }
    const error = failure && { code: failure.code ?? "action_failed", message: failure.message ?? "Action failed" };
    void actions
      .run(create, () => {
        server.status = start ? "starting" : "off";
      }, error)
      .then((ok) => {
        if (!ok) {
          // A failed create leaves the server behind, powered off and deletable, as on the real cloud.
          if (state.servers.has(id)) server.status = "off";
          if (start) actions.finish(start, { code: "action_failed", message: "preceding action failed" });
          return;
        }
        if (start) return actions.run(start, () => powerOn(ctx, server));
      });
    return c.json(
      {
        server: state.serverJson(server),
        action: actionJson(create),
        next_actions: next.map(actionJson),
        root_password: keys.length ? null : randomBytes(12).toString("base64url"),
      },
      201,
    );
  });

  app.get("/", (c) => {
    const statuses = c.req.queries("status");
    const name = c.req.query("name");
    const selector = c.req.query("label_selector");
    const list = [...state.servers.values()].filter(
      (s) => (name === undefined || s.name === name) && (!statuses?.length || statuses.includes(s.status)) && matchesSelector(s.labels, selector),
    );
    const sorted = sortBy(list, c.req.queries("sort") ?? ["id"], (s, f) => (s as unknown as Record<string, unknown>)[f]);
    return paginated(c, "servers", sorted.map((s) => state.serverJson(s)));
  });

  app.get("/:id", (c) => c.json({ server: state.serverJson(mustServer(pathId(c))) }));

  app.put("/:id", async (c) => {
    const server = mustServer(pathId(c));
    const body = await readBody(c);
    if (body.name !== undefined) server.name = checkServerName(ctx, body.name, server.id);
    if (body.labels !== undefined) server.labels = checkLabels(body.labels);
    return c.json({ server: state.serverJson(server) });
  });

  app.delete("/:id", (c) => {
    const server = mustServer(pathId(c));
    if (server.protection.delete) throw new HetznerApiError(423, "protected", "server is delete protected");
    server.status = "deleting";
    const action = actions.create("delete_server", [{ id: server.id, type: "server" }]);
    void actions.run(action, () => removeServer(ctx, server));
    return c.json({ action: actionJson(action) });
  });

  app.get("/:id/actions", (c) => {
    const id = mustServer(pathId(c)).id;
    const list = [...state.actions.values()].filter((a) => a.resources.some((r) => r.type === "server" && r.id === id));
    return paginated(c, "actions", list.map(actionJson));
  });

  return app;
}
