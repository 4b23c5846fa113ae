// /firewalls: rules and the servers (or label selectors) they apply to, with the set_rules,
// apply_to_resources and remove_from_resources actions. The emulator records firewalls; it does
// not filter traffic to the SSH hosts.
import { Hono } from "hono";
import { actionJson } from "../actions.ts";
import { checkLabels, HetznerApiError, invalidInput, matchesSelector, notFound, now, paginated, pathId, readBody, sortBy } from "../http.ts";
import type { EmulatorContext } from "../machines.ts";
import type { FirewallRecord, FirewallRule, FirewallTarget } from "../state.ts";

const PROTOCOLS = ["tcp", "udp", "icmp", "esp", "gre"] as const;
const CIDR = /^([0-9]{1,3}(\.[0-9]{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/;

function checkRules(value: unknown): FirewallRule[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidInput("rules", "must be a list");
  return value.map((r: Record<string, unknown>, i) => {
    const field = `rules[${i}]`;
    if (r.direction !== "in" && r.direction !== "out") throw invalidInput(`${field}.direction`, "must be one of in, out");
    if (!PROTOCOLS.includes(r.protocol as (typeof PROTOCOLS)[number])) throw invalidInput(`${field}.protocol`, `must be one of ${PROTOCOLS.join(", ")}`);
    const portful = r.protocol === "tcp" || r.protocol === "udp";
    if (portful && (typeof r.port !== "string" || !/^(any|\d{1,5}(-\d{1,5})?)$/.test(r.port))) throw invalidInput(`${field}.port`, "is required for tcp and udp");
    if (!portful && r.port !== undefined && r.port !== null) throw invalidInput(`${field}.port`, "is not allowed for this protocol");
    const ips = (key: "source_ips" | "destination_ips") => {
      const list = (r[key] ?? []) as unknown[];
      if (!Array.isArray(list) || list.some((x) => typeof x !== "string" || !CIDR.test(x))) throw invalidInput(`${field}.${key}`, "must be a list of CIDRs");
      return list as string[];
    };
    const rule: FirewallRule = {
      direction: r.direction,
      protocol: r.protocol as FirewallRule["protocol"],
      port: portful ? (r.port as string) : null,
      source_ips: ips("source_ips"),
      destination_ips: ips("destination_ips"),
      description: typeof r.description === "string" ? r.description : null,
    };
    if (rule.direction === "in" && !rule.source_ips.length) throw invalidInput(`${field}.source_ips`, "is required for direction in");
    if (rule.direction === "out" && !rule.destination_ips.length) throw invalidInput(`${field}.destination_ips`, "is required for direction out");
    return rule;
  });
}

function checkTargets(ctx: EmulatorContext, value: unknown, field: string): FirewallTarget[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidInput(field, "must be a list");
  return value.map((t: Record<string, any>) => {
    if (t.type === "server") {
      const id = Number(t.server?.id);
      if (!ctx.state.servers.has(id)) throw new HetznerApiError(404, "firewall_resource_not_found", `server with ID '${t.server?.id}' not found`);
      return { type: "server", server: { id } };
    }
    if (t.type === "label_selector" && typeof t.label_selector?.selector === "string") {
      return { type: "label_selector", label_selector: { selector: t.label_selector.selector } };
    }
    throw invalidInput(field, "each entry needs type server with server.id, or type label_selector with label_selector.selector");
  });
}

const sameTarget = (a: FirewallTarget, b: FirewallTarget) =>
  a.type === "server" ? b.type === "server" && a.server.id === b.server.id : b.type === "label_selector" && a.label_selector.selector === b.label_selector.selector;

const targetResources = (fw: FirewallRecord, t: FirewallTarget) => [
  t.type === "server" ? { id: t.server.id, type: "server" } : { id: fw.id, type: "label_selector" },
  { id: fw.id, type: "firewall" },
];

export function firewallRoutes(ctx: EmulatorContext) {
  const app = new Hono();
  const { state, actions } = ctx;
  const must = (id: number): FirewallRecord => {
    const f = state.firewalls.get(id);
    if (!f) throw notFound("firewall", id);
    return f;
  };
  const checkName = (name: unknown, self?: number): string => {
    if (typeof name !== "string" || !name.trim()) throw invalidInput("name", "is missing");
    if ([...state.firewalls.values()].some((f) => f.name === name && f.id !== self)) {
      throw new HetznerApiError(409, "uniqueness_error", "firewall with the same name already exists", { fields: [{ name: "name", messages: ["is already used"] }] });
    }
    return name;
  };
  const started = (command: string, resources: { id: number; type: string }[]) => {
    const a = actions.create(command, resources);
    void actions.run(a);
    return a;
  };

  app.post("/", async (c) => {
    const body = await readBody(c);
    const fw: FirewallRecord = {
      id: 0,
      name: checkName(body.name),
      labels: checkLabels(body.labels),
      created: now(),
      rules: checkRules(body.rules),
      appliedTo: checkTargets(ctx, body.apply_to, "apply_to"),
    };
    fw.id = state.nextId();
    state.firewalls.set(fw.id, fw);
    const list = [started("set_firewall_rules", [{ id: fw.id, type: "firewall" }]), ...fw.appliedTo.map((t) => started("apply_firewall", targetResources(fw, t)))];
    return c.json({ firewall: state.firewallJson(fw), actions: list.map(actionJson) }, 201);
  });

  app.get("/", (c) => {
    const { name, label_selector } = c.req.query();
    const list = [...state.firewalls.values()].filter((f) => (name === undefined || f.name === name) && matchesSelector(f.labels, label_selector));
    const sorted = sortBy(list, c.req.queries("sort") ?? ["id"], (f, k) => (f as unknown as Record<string, unknown>)[k]);
    return paginated(c, "firewalls", sorted.map((f) => state.firewallJson(f)));
  });

  app.get("/:id", (c) => c.json({ firewall: state.firewallJson(must(pathId(c))) }));

  app.put("/:id", async (c) => {
    const fw = must(pathId(c));
    const body = await readBody(c);
    if (body.name !== undefined) fw.name = checkName(body.name, fw.id);
    if (body.labels !== undefined) fw.labels = checkLabels(body.labels);
    return c.json({ firewall: state.firewallJson(fw) });
  });

  app.delete("/:id", (c) => {
    const fw = must(pathId(c));
    if (fw.appliedTo.length) throw new HetznerApiError(422, "resource_in_use", "firewall is still in use");
    state.firewalls.delete(fw.id);
    return c.body(null, 204);
  });

  app.post("/:id/actions/set_rules", async (c) => {
    const fw = must(pathId(c));
    fw.rules = checkRules((await readBody(c)).rules);
    return c.json({ actions: [actionJson(started("set_firewall_rules", [{ id: fw.id, type: "firewall" }]))] }, 201);
  });

  app.post("/:id/actions/apply_to_resources", async (c) => {
    const fw = must(pathId(c));
    const targets = checkTargets(ctx, (await readBody(c)).apply_to, "apply_to");
    for (const t of targets) {
      if (fw.appliedTo.some((x) => sameTarget(x, t))) throw new HetznerApiError(409, "firewall_already_applied", "firewall is already applied to this resource");
    }
    fw.appliedTo.push(...targets);
    return c.json({ actions: targets.map((t) => actionJson(started("apply_firewall", targetResources(fw, t)))) }, 201);
  });

  app.post("/:id/actions/remove_from_resources", async (c) => {
    const fw = must(pathId(c));
    const body = await readBody(c);
    const targets = (Array.isArray(body.remove_from) ? body.remove_from : []) as Record<string, any>[];
    const parsed: FirewallTarget[] = targets.map((t) =>
      t.type === "server" ? { type: "server", server: { id: Number(t.server?.id) } } : { type: "label_selector", label_selector: { selector: String(t.label_selector?.selector) } },
    );
    for (const t of parsed) {
      if (!fw.appliedTo.some((x) => sameTarget(x, t))) throw new HetznerApiError(409, "firewall_already_removed", "firewall is not applied to this resource");
    }
    fw.appliedTo = fw.appliedTo.filter((x) => !parsed.some((t) => sameTarget(x, t)));
    return c.json({ actions: parsed.map((t) => actionJson(started("remove_firewall", targetResources(fw, t)))) }, 201);
  });

  return app;
}
