// How a server's Docker API requests are scoped to it, and its answers unscoped, as data.
import { describe, expect, it } from "vitest";
import { HOST_LABEL, rewriteAnswer, rewriteRequest, rewritesAnswer, rewritesBody, withHostFilter, type Scope } from "./scope.ts";

const s: Scope = { hostId: "hetzner-ab12-1003", rootDir: "/var/lib/hoist-testbed/pool-1-x/hetzner-ab12-1003/root" };
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

function rewritten(method: string, url: string, body?: unknown) {
  const r = rewriteRequest(s, method, url, body === undefined ? undefined : json(body));
  if ("refuse" in r) throw new Error(`refused: ${r.refuse.message}`);
  return { path: r.path, body: r.body && JSON.parse(r.body.toString()) };
}

describe("requests", () => {
  it("labels a new container, scopes its name, volumes and bind sources", () => {
    const r = rewritten("POST", "/v1.41/containers/create?name=web", {
      Image: "hoist-test/httpd:1",
      Labels: { app: "web" },
      HostConfig: {
        NetworkMode: "host",
        Binds: ["/srv/app:/data:ro", "data:/var/lib/app", "/../../etc:/x"],
        Mounts: [
          { Type: "bind", Source: "/srv/conf", Target: "/conf" },
          { Type: "volume", Source: "cache", Target: "/cache" },
          { Type: "tmpfs", Target: "/tmp" },
        ],
      },
    });
    expect(r.path).toBe("/v1.41/containers/create?name=hetzner-ab12-1003.web");
    expect(r.body.Labels).toEqual({ app: "web", [HOST_LABEL]: s.hostId });
    expect(r.body.HostConfig.Binds).toEqual([`${s.rootDir}/srv/app:/data:ro`, "hetzner-ab12-1003.data:/var/lib/app", `${s.rootDir}/etc:/x`]);
    expect(r.body.HostConfig.Mounts).toEqual([
      { Type: "bind", Source: `${s.rootDir}/srv/conf`, Target: "/conf" },
      { Type: "volume", Source: "hetzner-ab12-1003.cache", Target: "/cache" },
      { Type: "tmpfs", Target: "/tmp" },
    ]);
  });

  it("refuses any network but host or none, and creating networks, saying what to do", () => {
    for (const mode of ["default", "bridge", ""]) {
      const r = rewriteRequest(s, "POST", "/v1.41/containers/create", json({ HostConfig: { NetworkMode: mode } }));
      expect(r).toMatchObject({ refuse: { status: 400 } });
      expect("refuse" in r && r.refuse.message).toContain("run containers with --network host");
    }
    expect(rewriteRequest(s, "POST", "/v1.41/networks/create", json({ Name: "apps" }))).toMatchObject({ refuse: { status: 403 } });
    expect(rewritten("POST", "/v1.41/containers/create", { HostConfig: { NetworkMode: "none" } }).body.HostConfig.NetworkMode).toBe("none");
  });

  it("scopes container references by name, keeps ids, and scopes renames", () => {
    const id = "0a32e8eabce6713fcf61542bea67ce10c6eaf07a998cebc8cc7f6792aacde8eb";
    expect(rewritten("POST", "/v1.41/containers/web/stop?t=2").path).toBe("/v1.41/containers/hetzner-ab12-1003.web/stop?t=2");
    expect(rewritten("DELETE", "/v1.41/containers/web?force=1").path).toBe("/v1.41/containers/hetzner-ab12-1003.web?force=1");
    expect(rewritten("GET", `/v1.41/containers/${id}/json`).path).toBe(`/v1.41/containers/${id}/json`);
    expect(rewritten("GET", `/v1.41/containers/${id.slice(0, 12)}/logs?follow=1`).path).toBe(`/v1.41/containers/${id.slice(0, 12)}/logs?follow=1`);
    expect(rewritten("POST", "/v1.41/containers/web/rename?name=site").path).toBe("/v1.41/containers/hetzner-ab12-1003.web/rename?name=hetzner-ab12-1003.site");
    expect(rewritten("GET", "/_ping").path).toBe("/_ping");
    expect(rewritten("POST", "/v1.41/images/create?fromImage=x").path).toBe("/v1.41/images/create?fromImage=x");
  });

  it("limits lists, prunes and events to the server's own, in either filter form", () => {
    const filters = (url: string) => JSON.parse(new URL(rewritten("GET", url).path, "http://d").searchParams.get("filters")!);
    expect(filters("/v1.41/containers/json?all=1")).toEqual({ label: { [`${HOST_LABEL}=${s.hostId}`]: true } });
    expect(filters(`/v1.41/containers/json?filters=${encodeURIComponent('{"status":{"running":true}}')}`)).toEqual({
      status: { running: true },
      label: { [`${HOST_LABEL}=${s.hostId}`]: true },
    });
    expect(JSON.parse(withHostFilter(s, '{"label":["app=web"]}'))).toEqual({ label: ["app=web", `${HOST_LABEL}=${s.hostId}`] });
    for (const url of ["/v1.41/containers/prune", "/v1.41/volumes", "/v1.41/volumes/prune", "/v1.41/events?since=1"]) {
      expect(filters(url).label).toEqual({ [`${HOST_LABEL}=${s.hostId}`]: true });
    }
  });

  it("scopes named volumes and labels them", () => {
    const r = rewritten("POST", "/v1.41/volumes/create", { Name: "data" });
    expect(r.body).toEqual({ Name: "hetzner-ab12-1003.data", Labels: { [HOST_LABEL]: s.hostId } });
    expect(rewritten("DELETE", "/v1.41/volumes/data?force=1").path).toBe("/v1.41/volumes/hetzner-ab12-1003.data?force=1");
  });

  it("reads whole only the bodies and answers it rewrites", () => {
    expect(rewritesBody("POST", "/v1.41/containers/create?name=x")).toBe(true);
    expect(rewritesBody("PUT", "/v1.41/containers/x/archive?path=/")).toBe(false);
    expect(rewritesAnswer("GET", "/v1.41/containers/json")).toBe(true);
    expect(rewritesAnswer("GET", "/v1.41/containers/web/json")).toBe(true);
    expect(rewritesAnswer("GET", "/v1.41/containers/web/logs?follow=1")).toBe(false);
    expect(rewritesAnswer("GET", "/v1.41/events")).toBe(false);
  });
});

describe("answers", () => {
  it("show the server its own names and paths", () => {
    const list = JSON.parse(
      rewriteAnswer(s, "/v1.41/containers/json", json([{ Names: ["/hetzner-ab12-1003.web"], Mounts: [{ Type: "bind", Source: `${s.rootDir}/srv/app` }, { Type: "volume", Name: "hetzner-ab12-1003.data" }] }])).toString(),
    );
    expect(list).toEqual([{ Names: ["/web"], Mounts: [{ Type: "bind", Source: "/srv/app" }, { Type: "volume", Name: "data" }] }]);
    const one = JSON.parse(rewriteAnswer(s, "/v1.41/containers/web/json", json({ Name: "/hetzner-ab12-1003.web", HostConfig: { Binds: [`${s.rootDir}/srv/app:/data`, "hetzner-ab12-1003.data:/d"] } })).toString());
    expect(one).toEqual({ Name: "/web", HostConfig: { Binds: ["/srv/app:/data", "data:/d"] } });
    const volumes = JSON.parse(rewriteAnswer(s, "/v1.41/volumes", json({ Volumes: [{ Name: "hetzner-ab12-1003.data" }] })).toString());
    expect(volumes).toEqual({ Volumes: [{ Name: "data" }] });
  });
});
