// Changing a server that exists, the same on every cloud, through Hoist's JSON API and engine
// against that cloud's emulator: a resize is previewed (the size's update, its price before and
// after from the live catalog), then applied, and the provider's server has the new size; a change
// whose server changed after its preview is refused and changes nothing; other firewall ports
// reach the provider's firewall; a rebuild from another image is a replace that loses data, asks
// for the server's name typed, and brings the node back online on a new server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeOfServer } from "../../state/nodes.ts";
import { findOperation } from "../../state/operations.ts";
import type { CloudId } from "../support/clouds.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";

interface CatalogSize {
  id: string;
  architecture?: string;
  prices: Record<string, { monthly: number }>;
}

export function serverChangeSuite(cloud: CloudId, label: string) {
  let bed: Bed;
  let serverId: string;
  let sizes: CatalogSize[];
  let images: { id: string; architecture?: string }[];
  beforeAll(async () => {
    bed = await startCloudBed(cloud);
    const res = await bed.api.post("/servers", bed.serverRequest("changed"));
    expect(res.status, res.text).toBe(202);
    serverId = res.json().server.id;
    sizes = (await bed.api.get(`/credentials/${bed.credentialId}/server-types`)).json().sizes;
    images = (await bed.api.get(`/credentials/${bed.credentialId}/images`)).json().images;
    const ready = await waitForStatus(bed, serverId, ["ready", "failed"], 180_000);
    expect(ready.status, ready.errorReason ?? "").toBe("ready");
  });
  afterAll(async () => {
    await bed?.close();
  });

  const server = async () => (await bed.api.get(`/servers/${serverId}`)).json();
  const propose = async (body: Record<string, unknown>) => {
    const res = await bed.api.post(`/servers/${serverId}/changes`, body);
    expect(res.status, res.text).toBe(202);
    expect(res.json().status).toBe("previewing");
    return previewed(res.json().id);
  };
  const previewed = async (id: string) => {
    for (let i = 0; i < 600; i++) {
      const c = (await bed.api.get(`/servers/${serverId}/changes/${id}`)).json();
      if (c.status !== "previewing") {
        expect(c.status, c.error ?? JSON.stringify(findOperation(bed.console.deps.db, c.previewOperationId)?.error)).toBe("previewed");
        return c;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("the preview did not finish");
  };
  const apply = async (id: string, body?: Record<string, unknown>) => {
    const res = await bed.api.post(`/servers/${serverId}/changes/${id}/apply`, body);
    expect(res.status, res.text).toBe(202);
    return res.json().operation.id as string;
  };
  const finished = async (opId: string) => {
    for (let i = 0; i < 900; i++) {
      const op = findOperation(bed.console.deps.db, opId)!;
      if (op.status === "succeeded" || op.status === "failed") return op;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`operation ${opId} did not finish`);
  };
  const providerServer = async () => bed.cloud.details(String((await server()).outputs.providerId));

  describe(`${label} servers changed through Hoist`, () => {
    it("refuses a change that names no size, image or ports the server can take, naming the field and queuing nothing", async () => {
      const before = (await server()).size;
      const refused = async (body: Record<string, unknown>) => {
        const res = await bed.api.post(`/servers/${serverId}/changes`, body);
        expect(res.status, res.text).toBe(422);
        return res.json().error.fields;
      };
      expect(await refused({ size: "no-such-size" })).toEqual([{ field: "size", message: "is not a size the provider offers" }]);
      expect(await refused({ image: "no-such-image" })).toEqual([{ field: "image", message: "is not an image the provider offers" }]);
      expect(await refused({ firewallPorts: [80, 443] })).toEqual([{ field: "firewallPorts", message: "must include 22: Hoist reaches the node over SSH" }]);
      expect(await refused({ firewallPorts: "22, 70000" })).toEqual([{ field: "firewallPorts", message: '"70000" is not a port number from 1 to 65535' }]);
      expect(await refused({ size: before })).toEqual([{ field: "body", message: "changes nothing: choose another size, image or firewall ports" }]);
      expect((await bed.api.get(`/servers/${serverId}/changes`)).json().changes).toEqual([]);
      expect((await server()).size).toBe(before);
    });

    it("previews a resize with its price before and after, then applies it as previewed", async () => {
      const now = await server();
      const current = sizes.find((s) => s.id === now.size)!;
      const bigger = sizes
        .filter((s) => s.id !== now.size && s.architecture === current.architecture && s.prices[now.region])
        .sort((a, b) => a.prices[now.region]!.monthly - b.prices[now.region]!.monthly)
        .find((s) => s.prices[now.region]!.monthly > current.prices[now.region]!.monthly)!;
      expect(bigger, "the catalog has a bigger size").toBeDefined();

      const change = await propose({ size: bigger.id });
      expect(change.cost).toEqual({ currency: expect.any(String), before: current.prices[now.region]!.monthly, after: bigger.prices[now.region]!.monthly });
      expect(change.rebuild).toBe(false);
      expect(change.losesData).toBe(false);
      const step = change.plan.steps.find((s: { name: string }) => s.name === "server");
      expect(step.op).toBe("update");
      const sizeProperty = step.properties.find((p: { old?: unknown; new?: unknown }) => p.old === now.size && p.new === bigger.id);
      expect(sizeProperty, JSON.stringify(step.properties)).toBeDefined();
      // The preview changed nothing.
      expect((await providerServer()).size).toBe(now.size);
      expect((await server()).size).toBe(now.size);

      const op = await finished(await apply(change.id));
      expect(op.status, op.error ?? "").toBe("succeeded");
      const after = await server();
      expect(after.status).toBe("ready");
      expect(after.size).toBe(bigger.id);
      expect(after.priceMonthly).toBe(bigger.prices[now.region]!.monthly.toFixed(2));
      expect((await providerServer()).size).toBe(bigger.id);
      expect((await bed.api.get(`/servers/${serverId}/changes/${change.id}`)).json().status).toBe("applied");
      expect(nodeOfServer(bed.console.deps.db, serverId)!.state).toBe("online");
    });

    it("refuses a preview whose server changed before it was applied, changing nothing", async () => {
      const stale = await propose({ firewallPorts: [22, 80, 443, 8443] });
      const other = await propose({ firewallPorts: [22, 443, 8080] });
      expect((await finished(await apply(other.id))).status).toBe("succeeded");
      expect((await providerServer()).inboundPorts).toEqual([22, 443, 8080]);

      const op = await finished(await apply(stale.id));
      expect(op.status).toBe("failed");
      expect(op.error).toBe("The server changed since this change was previewed");
      const now = await server();
      expect(now.status).toBe("ready");
      expect(now.error).toBeNull();
      expect(now.firewallPorts).toEqual([22, 443, 8080]);
      expect((await providerServer()).inboundPorts).toEqual([22, 443, 8080]);
      expect((await bed.api.get(`/servers/${serverId}/changes/${stale.id}`)).json().status).toBe("stale");
    });

    it("rebuilds from another image only once the server's name is typed: a replace, with the node back online", async () => {
      const now = await server();
      const arch = sizes.find((s) => s.id === now.size)!.architecture;
      const other = images.find((i) => i.id !== now.image && (!arch || !i.architecture || i.architecture === arch))!;
      const before = now.outputs.providerId;
      const change = await propose({ image: other.id });
      expect(change.rebuild).toBe(true);
      expect(change.losesData).toBe(true);
      const lost = change.plan.steps.filter((s: { losesData: boolean }) => s.losesData);
      expect(lost.map((s: { name: string; op: string }) => [s.name, /replace/.test(s.op)])).toEqual([["server", true]]);

      const refused = await bed.api.post(`/servers/${serverId}/changes/${change.id}/apply`, { confirmName: "not-it" });
      expect(refused.status).toBe(422);
      expect(refused.json().error.fields).toEqual([
        { field: "confirmName", message: "type the server's name, changed, to confirm: this change replaces server, and what is stored there is lost" },
      ]);
      expect((await server()).status).toBe("ready");

      const op = await finished(await apply(change.id, { confirmName: "changed" }));
      expect(op.status, op.error ?? "").toBe("succeeded");
      const after = await server();
      expect(after.image).toBe(other.id);
      expect(after.outputs.providerId).not.toBe(before);
      expect((await bed.cloud.servers()).map((s) => s.id)).not.toContain(String(before));
      const node = nodeOfServer(bed.console.deps.db, serverId)!;
      expect(node.state).toBe("online");
      expect(node.address).toBe(after.outputs.ipv4);
    });
  });
}
