// deno task web [--port N]   (deno run -A web/serve.ts)
// Bundles the demo page's script (web/app.ts -> web/dist/app.js, with tfjs-backend-wasm's binaries
// beside it) and serves the page, the pretrained weights and the bundled excerpt on 127.0.0.1.
import { parseArgs } from "node:util";

const ROOT = new URL("../", import.meta.url);
const { values } = parseArgs({
  args: Deno.args,
  options: { port: { type: "string", default: "8000" }, "no-bundle": { type: "boolean" } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`error: --port must be an integer in [0, 65535], got "${values.port}"`);
  Deno.exit(2);
}

/** Builds web/dist: the bundle and the wasm binaries. */
async function build(): Promise<void> {
  const dist = new URL("web/dist/", ROOT);
  await Deno.mkdir(dist, { recursive: true });
  // The page, and the encoder worker as its own file (EncoderPool's workerUrl).
  for (
    const [out, entry] of [["app.js", "web/app.ts"], [
      "encode_worker.js",
      "lib/runtime/encode_worker.ts",
    ]]
  ) {
    const r = await new Deno.Command(Deno.execPath(), {
      // Minified (names kept: error messages name classes): about 45 % of the plain bundle.
      args: [
        "bundle",
        "--platform",
        "browser",
        "--minify",
        "--keep-names",
        "-o",
        `web/dist/${out}`,
        entry,
      ],
      cwd: ROOT,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!r.success) throw new Error(`deno bundle of ${entry} failed (see above)`);
  }
  const wasmDir = new URL("node_modules/@tensorflow/tfjs-backend-wasm/dist/", ROOT);
  for (const f of ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm"]) {
    await Deno.copyFile(new URL(f, wasmDir), new URL(f, dist));
  }
}

/** Files of the bundled excerpt, as URLs the page fetches. */
async function excerptFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(new URL(dir, ROOT))) {
      if (e.isDirectory) await walk(`${dir}${e.name}/`);
      else if (e.name.endsWith(".csv.gz")) out.push(`/${dir}${e.name}`);
    }
  };
  await walk("fixtures/sp-sw-har-excerpt/DATA/");
  return out.sort();
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  wasm: "application/wasm",
  json: "application/json",
};

/** Only these folders are served; nothing above the repository. */
const SERVED = ["web/", "weights/", "fixtures/sp-sw-har-excerpt/"];

async function handle(req: Request): Promise<Response> {
  const path = decodeURIComponent(new URL(req.url).pathname);
  if (path === "/excerpt.json") return Response.json(await excerptFiles());
  if (path === "/favicon.ico") return new Response(null, { status: 204 });
  const file = path === "/"
    ? "web/index.html"
    : path.startsWith("/dist/")
    ? `web${path}`
    : path.slice(1);
  if (file.includes("..") || !SERVED.some((d) => file.startsWith(d))) {
    return new Response("not found", { status: 404 });
  }
  try {
    const body = await Deno.readFile(new URL(file, ROOT));
    const ext = file.split(".").pop()!;
    return new Response(body, {
      headers: { "content-type": TYPES[ext] ?? "application/octet-stream" },
    });
  } catch {
    return new Response("not found", { status: 404 });
  }
}

if (!values["no-bundle"]) await build();
const server = Deno.serve({
  hostname: "127.0.0.1",
  port,
  onListen: ({ port }) => console.log(`FlowFM demo: http://127.0.0.1:${port}/`),
}, handle);
await server.finished;
