// Conformance of the emulator's firewalls and actions, with the shapes and error bodies of
// cloud-apis.md §1.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostPool } from "../hosts.ts";
import { startHetznerEmulator, type HetznerEmulator } from "./emulator.ts";
import { apiClient, type ApiClient } from "./test-client.ts";

let hosts: HostPool;
let emu: HetznerEmulator;
let api: ApiClient;

beforeAll(async () => {
  hosts = await HostPool.create();
  emu = await startHetznerEmulator({ hosts, actionMs: 50 });
  api = apiClient(emu);
});

afterAll(async () => {
  await emu?.stop();
  await hosts?.close();
});

describe("firewalls", () => {
  it("applies rules to servers and moves them with actions", async () => {
    const s = await api.createServer({ name: "guarded" });
    const rules = [{ direction: "in", protocol: "tcp", port: "22", source_ips: ["0.0.0.0/0", "::/0"], description: "ssh" }];
    const res = await api.post("/firewalls", { name: "ssh-only", labels: { app: "hoist" }, rules, apply_to: [{ type: "server", server: { id: s.id } }] });
    expect(res.status).toBe(201);
    const fw = res.body.firewall;
    expect(fw).toMatchObject({
      name: "ssh-only",
      labels: { app: "hoist" },
      rules: [{ direction: "in", protocol: "tcp", port: "22", source_ips: ["0.0.0.0/0", "::/0"], destination_ips: [], description: "ssh" }],
      applied_to: [{ type: "server", server: { id: s.id } }],
    });
    expect(res.body.actions.map((a: { command: string }) => a.command)).toEqual(["set_firewall_rules", "apply_firewall"]);
    expect((await api.get(`/servers/${s.id}`)).body.server.public_net.firewalls).toEqual([{ id: fw.id, status: "applied" }]);

    const inUse = await api.del(`/firewalls/${fw.id}`);
    expect(inUse.status).toBe(422);
    expect(inUse.body.error.code).toBe("resource_in_use");

    const set = await api.post(`/firewalls/${fw.id}/actions/set_rules`, { rules: [...rules, { direction: "in", protocol: "icmp", source_ips: ["0.0.0.0/0"] }] });
    expect(set.status).toBe(201);
    expect(set.body.actions[0].command).toBe("set_firewall_rules");
    expect((await api.get(`/firewalls/${fw.id}`)).body.firewall.rules).toHaveLength(2);

    const removed = await api.post(`/firewalls/${fw.id}/actions/remove_from_resources`, { remove_from: [{ type: "server", server: { id: s.id } }] });
    expect(removed.body.actions[0].command).toBe("remove_firewall");
    expect((await api.get(`/servers/${s.id}`)).body.server.public_net.firewalls).toEqual([]);
    const applied = await api.post(`/firewalls/${fw.id}/actions/apply_to_resources`, { apply_to: [{ type: "label_selector", label_selector: { selector: "tier=edge" } }] });
    expect(applied.body.actions[0].command).toBe("apply_firewall");
    await api.put(`/servers/${s.id}`, { labels: { tier: "edge" } });
    expect((await api.get(`/servers/${s.id}`)).body.server.public_net.firewalls).toEqual([{ id: fw.id, status: "applied" }]);
    await api.post(`/firewalls/${fw.id}/actions/remove_from_resources`, { remove_from: [{ type: "label_selector", label_selector: { selector: "tier=edge" } }] });

    expect((await api.put(`/firewalls/${fw.id}`, { name: "renamed-fw" })).body.firewall.name).toBe("renamed-fw");
    expect((await api.get("/firewalls?name=renamed-fw")).body.firewalls).toHaveLength(1);
    expect((await api.del(`/firewalls/${fw.id}`)).status).toBe(204);
  });

  it("refuses a tcp rule without a port", async () => {
    const res = await api.post("/firewalls", { name: "broken", rules: [{ direction: "in", protocol: "tcp", source_ips: ["0.0.0.0/0"] }] });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "invalid_input", details: { fields: [{ name: "rules[0].port" }] } });
  });
});

describe("actions", () => {
  it("lists actions by id sorted by status then id, and reads one by id", async () => {
    emu.faults.set({ kind: "slow-actions", ms: 5_000 }, { times: 1 });
    const slow = await api.post("/servers", { name: "slow", server_type: "cx22", image: "ubuntu-24.04" });
    const fast = await api.createServer({ name: "fast" });
    const done = (await api.get(`/servers/${fast.id}/actions`)).body.actions[0];
    const ids = [slow.body.action.id, done.id];
    const res = await api.get(`/actions?id=${ids[0]}&id=${ids[1]}&page=1&sort=status&sort=id`);
    expect(res.status).toBe(200);
    expect(res.body.actions.map((a: { id: number; status: string }) => [a.id, a.status])).toEqual([
      [slow.body.action.id, "running"],
      [done.id, "success"],
    ]);
    expect(res.body.meta.pagination.total_entries).toBe(2);
    const one = await api.get(`/actions/${slow.body.action.id}`);
    expect(one.body.action).toMatchObject({ command: "create_server", status: "running", finished: null });
    expect(one.body.action.progress).toBeGreaterThanOrEqual(0);
    expect(one.body.action.progress).toBeLessThan(100);
    expect((await api.get("/actions/987654")).status).toBe(404);
  });
});

