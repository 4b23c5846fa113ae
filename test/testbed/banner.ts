// What `npm run testbed` prints once everything answers.
import type { Seeded } from "./seed.ts";

export interface BannerInput {
  consoleUrl: string;
  account: Seeded;
  passwordFile: string;
  consoleLog: string;
  clouds: { name: string; api: string; control: string }[];
  /** The host pool's folder: one sub-folder per emulated server, its root filesystem in `root/`. */
  hostsDir: string;
}

const FAULTS = "reject-token, rate-limit, quota, action-fails, slow-actions, catalog-down";

export function banner(b: BannerInput): string {
  const width = Math.max(...b.clouds.map((c) => c.name.length));
  const apiWidth = Math.max(...b.clouds.map((c) => c.api.length));
  const signIn = b.account.password
    ? `${b.account.email}  /  ${b.account.password}   (kept in ${b.passwordFile})`
    : `${b.account.email}  with the password you chose`;
  const creds = b.account.credentials.map((c) => `${c.name} (${c.validity}${c.validity === "valid" ? "" : `: ${c.validityReason ?? "?"}`})`);
  const quota = b.clouds[0]!.control;
  const lines = [
    "",
    "Hoist test bed is running: emulated clouds on this machine, nothing leaves it. Ctrl-C stops everything.",
    "",
    `  Console       ${b.consoleUrl}`,
    `  Sign in       ${signIn}`,
    `  Credentials   ${creds.join(", ")}`,
    `  Console log   ${b.consoleLog}`,
    "",
    "  Clouds (their API, then the control endpoint for faults and state):",
    ...b.clouds.map((c) => `    ${c.name.padEnd(width)}  ${c.api.padEnd(apiWidth)}  ${c.control}`),
    "",
    `  Inject a fault (${FAULTS}), e.g. the next server creation hits a quota:`,
    `    curl -X POST ${quota}/faults -d '{"kind":"quota","times":1}'`,
    `    curl -X DELETE ${quota}/faults    # clears them`,
    `    curl ${quota}/state               # what the cloud holds`,
    "",
    "  Servers are real sshd hosts on loopback addresses 127.1.X.Y, port 22 (see the server's page).",
    "  SSH into a ready server with the key Hoist holds for it (decrypted into a private ssh-agent):",
    "    npm run testbed:ssh -- <server name> [command]",
    `  Each server's files are under ${b.hostsDir}/<host>/root.`,
    "  Servers have docker (as root or with sudo; one daemon behind them all, host networking only),",
    "  and local images instead of a registry, e.g. on a server at 127.1.1.1:",
    "    docker run -d --network host -e HOST=127.1.1.1 -e PORT=8080 -e GREETING=hi hoist-test/httpd:1",
    "",
  ];
  if (b.account.earlierServers.length > 0) {
    lines.push(
      `  Kept from an earlier run: ${b.account.earlierServers.join(", ")} (the clouds kept them too;`,
      "  `npm run testbed -- --reset` starts over).",
      "",
    );
  }
  return lines.join("\n") + "\n";
}
