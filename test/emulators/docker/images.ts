// The images test catalog entries use. No registry can be reached from a test machine, so each
// is a busybox-static root filesystem given to `docker import`, built once per daemon (a kept
// daemon keeps them) under a pinned tag, and never pulled.
//
// Host networking is all there is (scope.ts): each app listens on the address in $HOST, which a
// deployment sets to its node's own address, and on $PORT.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { BUSYBOX } from "../host-root.ts";
import type { DockerDaemon } from "./daemon.ts";

export interface TestImage {
  /** `hoist-test/<name>:<version>` */
  ref: string;
  /** What the image does, for catalog authors. */
  about: string;
  /** Scripts under /bin, the first one the image's command. */
  scripts: Record<string, string>;
}

export const TEST_IMAGES: TestImage[] = [
  {
    ref: "hoist-test/httpd:1",
    about: "busybox httpd on $HOST:$PORT (PORT default 80) serving / with the text of $GREETING, and /health with ok",
    scripts: {
      "start-httpd": `#!/bin/sh
set -eu
: "\${HOST:?set HOST to the address to listen on (the node's own)}"
mkdir -p /www
printf '<!doctype html><title>hoist-test/httpd</title><p>%s</p>\\n' "\${GREETING:-hello}" > /www/index.html
echo ok > /www/health
# As PID 1 the shell must end the server itself on SIGTERM, or docker stop waits its timeout out.
httpd -f -v -p "$HOST:\${PORT:-80}" -h /www &
trap 'kill $!; exit 0' TERM INT
wait
`,
    },
  },
  {
    ref: "hoist-test/slowhttp:1",
    about: "an HTTP/1.0 server (nc) on $HOST:$PORT answering $GREETING, and /health with ok; every other answer waits the seconds written in /tmp/slow, once a test puts that file there",
    scripts: {
      "start-slowhttp": `#!/bin/sh
set -eu
: "\${HOST:?set HOST to the address to listen on (the node's own)}"
nc -ll -p "\${PORT:-80}" "$HOST" -e /bin/answer &
trap 'kill $!; exit 0' TERM INT
wait
`,
      answer: `#!/bin/sh
read -r method target proto
while read -r line; do
  line=$(printf %s "$line" | tr -d '\\r')
  [ -z "$line" ] && break
done
if [ "$target" != "/health" ] && [ -f /tmp/slow ]; then sleep "$(cat /tmp/slow)"; fi
body="\${GREETING:-hello}"
[ "$target" = "/health" ] && body=ok
printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%s' "\${#body}" "$body"
`,
    },
  },
  {
    ref: "hoist-test/echo:1",
    about: "a TCP echo service on $HOST:$PORT (PORT default 7): each connection gets back what it sends",
    scripts: {
      "start-echo": `#!/bin/sh
set -eu
: "\${HOST:?set HOST to the address to listen on (the node's own)}"
nc -ll -p "\${PORT:-7}" "$HOST" -e /bin/cat &
trap 'kill $!; exit 0' TERM INT
wait
`,
    },
  },
];

/** Imports every test image the daemon does not have yet. */
export async function buildTestImages(daemon: DockerDaemon): Promise<void> {
  for (const image of TEST_IMAGES) {
    if (await daemon.cli(["image", "inspect", image.ref]).then(() => true, () => false)) continue;
    const dir = fs.mkdtempSync(path.join(daemon.dir, "image-"));
    try {
      const root = path.join(dir, "root");
      for (const d of ["bin", "tmp", "www", "etc"]) fs.mkdirSync(path.join(root, d), { recursive: true });
      fs.chmodSync(path.join(root, "tmp"), 0o1777);
      fs.copyFileSync(BUSYBOX, path.join(root, "bin/busybox"));
      fs.chmodSync(path.join(root, "bin/busybox"), 0o755);
      for (const applet of ["sh", "httpd", "nc", "cat", "echo", "mkdir", "printf", "ls", "sleep", "wget", "tr"]) fs.symlinkSync("busybox", path.join(root, "bin", applet));
      for (const [name, text] of Object.entries(image.scripts)) fs.writeFileSync(path.join(root, "bin", name), text, { mode: 0o755 });
      fs.writeFileSync(path.join(root, "etc/passwd"), "root:x:0:0:root:/:/bin/sh\n");
      const tar = path.join(dir, "root.tar");
      await runTar(root, tar);
      const command = JSON.stringify([`/bin/${Object.keys(image.scripts)[0]}`]);
      await daemon.cli(["import", "--change", `CMD ${command}`, "--change", "ENV PATH=/bin", "--message", image.about, tar, image.ref]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

async function runTar(root: string, out: string): Promise<void> {
  await promisify(execFile)("tar", ["--numeric-owner", "--owner=0", "--group=0", "-C", root, "-cf", out, "."]);
}
