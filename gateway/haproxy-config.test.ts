import { describe, expect, it } from "vitest";
import { renderConfig, renderHostMap } from "./haproxy-config.ts";
import type { ProxyModel } from "./model.ts";
import { changeCommands, parseStat } from "./runtime-api.ts";

const files = { apiSocket: "/data/gateway/api.sock", hostMap: "/data/gateway/hosts.map", servedPem: "/data/gateway/tls/gateway.pem" };

const model: ProxyModel = {
  tcp: [
    { name: "ssh_abc123", ports: { first: 20001, last: 20001 }, target: { address: "127.0.5.5", port: 22 } },
    { name: "tcp_abc123", ports: { first: 30010, last: 30019 }, target: { address: "127.0.5.5" } },
    { name: "ssh_def456", ports: { first: 20002, last: 20002 } },
  ],
  backends: [
    { name: "srv_abc123", hostname: "abc123.gw.example.com", servers: [{ name: "node", address: "127.0.5.5", port: 80, weight: 100 }] },
    { name: "srv_def456", hostname: "def456.gw.example.com", servers: [], unavailable: 'This server is "stopped"; back soon.' },
    { name: "app_shop-x1y2z3", hostname: "shop-x1y2z3.gw.example.com", servers: [{ name: "a", address: "127.0.6.1", port: 8000, weight: 100 }], health: { type: "http", path: "/health" } },
    { name: "app_db-q1w2e3", hostname: "db-q1w2e3.gw.example.com", servers: [{ name: "b", address: "127.0.6.2", port: 5432, weight: 0 }], health: { type: "tcp" } },
  ],
  hosts: [
    ["abc123.gw.example.com", "srv_abc123"],
    ["shop-x1y2z3.gw.example.com", "app_shop-x1y2z3"],
  ],
};

describe("HAProxy's configuration", () => {
  const cfg = renderConfig(model, { bind: "0.0.0.0", httpPort: 80, httpsPort: 443, files, mark: "abcdef.123456" });
  const section = (name: string) => cfg.slice(cfg.indexOf(`\n${name}\n`) + 1).split("\n\n")[0]!.trimEnd();

  it("run master-worker with an admin runtime socket that hands listeners over on reload, marked to be recognised", () => {
    expect(cfg).toContain("  master-worker\n");
    expect(cfg).toContain("  stats socket /data/gateway/api.sock mode 600 level admin expose-fd listeners\n");
    expect(cfg).toContain("  description abcdef.123456\n");
  });

  it("serve HTTP and HTTPS on one frontend, routed by Host through the host map", () => {
    expect(section("frontend http")).toBe(
      [
        "frontend http",
        "  bind 0.0.0.0:80",
        "  bind 0.0.0.0:443 ssl crt /data/gateway/tls/gateway.pem alpn h2,http/1.1",
        "  http-request set-header X-Forwarded-Proto https if { ssl_fc }",
        "  http-request set-header X-Forwarded-Proto http if !{ ssl_fc }",
        "  use_backend %[req.hdr(host),lower,word(1,:),map(/data/gateway/hosts.map,no_route)]",
      ].join("\n"),
    );
    expect(section("backend no_route")).toContain("http-request return status 404");
    expect(renderHostMap(model)).toBe("abc123.gw.example.com srv_abc123\nshop-x1y2z3.gw.example.com app_shop-x1y2z3\n");
  });

  it("health-check app copies (HTTP GET with the route's Host, or a TCP connect) and answer 503 where nothing runs", () => {
    expect(section("backend app_shop-x1y2z3")).toBe(
      [
        "backend app_shop-x1y2z3",
        "  option httpchk",
        "  http-check send meth GET uri /health ver HTTP/1.1 hdr Host shop-x1y2z3.gw.example.com",
        "  server a 127.0.6.1:8000 weight 100 check inter 1s fall 2 rise 2",
      ].join("\n"),
    );
    expect(section("backend app_db-q1w2e3")).toBe(["backend app_db-q1w2e3", "  server b 127.0.6.2:5432 weight 0 check inter 1s fall 2 rise 2"].join("\n"));
    expect(section("backend srv_abc123")).toBe(["backend srv_abc123", "  server node 127.0.5.5:80 weight 100"].join("\n"));
    expect(section("backend srv_def456")).toBe(['backend srv_def456', '  http-request return status 503 content-type text/plain string "This server is \\"stopped\\"; back soon."'].join("\n"));
  });

  it("forward SSH to the node's port, a TCP block port for port, and refuse while the server is down", () => {
    expect(section("frontend ssh_abc123")).toBe(["frontend ssh_abc123", "  bind 0.0.0.0:20001", "  default_backend ssh_abc123"].join("\n"));
    expect(section("backend ssh_abc123")).toBe(["backend ssh_abc123", "  server node 127.0.5.5:22"].join("\n"));
    expect(section("frontend tcp_abc123")).toContain("  bind 0.0.0.0:30010-30019");
    expect(section("backend tcp_abc123")).toBe(["backend tcp_abc123", "  server node 127.0.5.5"].join("\n"));
    expect(section("frontend ssh_def456")).toBe(["frontend ssh_def456", "  bind 0.0.0.0:20002", "  tcp-request connection reject"].join("\n"));
    // TCP sections come after their own defaults (mode tcp, long timeouts for SSH sessions).
    expect(cfg.indexOf("  mode tcp")).toBeLessThan(cfg.indexOf("frontend ssh_abc123"));
    expect(cfg.indexOf("  mode tcp")).toBeGreaterThan(cfg.lastIndexOf("backend app_"));
  });

  it("listen on IPv6 with HAProxy's prefix", () => {
    expect(renderConfig(model, { bind: "::1", httpPort: 80, httpsPort: 443, files, mark: "m" })).toContain("  bind ipv6@::1:20001\n");
  });
});

describe("the runtime API", () => {
  it("changes a server's address and weight with set server commands", () => {
    expect(changeCommands({ backend: "app_x", server: "b", address: "127.0.6.2", port: 8000, weight: 100 })).toEqual(["set server app_x/b addr 127.0.6.2 port 8000", "set server app_x/b weight 100"]);
    expect(changeCommands({ backend: "tcp_x", server: "node", address: "127.0.5.9" })).toEqual(["set server tcp_x/node addr 127.0.5.9"]);
  });

  it("reads show stat's CSV by its header", () => {
    const csv = "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status\napp_x,a,0,0,3,5,,9,0,0,,0,,0,0,0,0,UP,100,1,0,0,0,5,0,,1,4,1,,9,,2,0,,2,L7OK\napp_x,b,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,0,1,0,1,1,2,2,,1,4,2,,0,,2,0,,0,L4CON\n";
    expect(parseStat(csv)).toEqual([
      { proxy: "app_x", server: "a", current: 3, status: "UP", weight: 100, checkStatus: "L7OK" },
      { proxy: "app_x", server: "b", current: 0, status: "DOWN", weight: 0, checkStatus: "L4CON" },
    ]);
  });
});
