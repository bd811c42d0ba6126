// loadModel never hangs silently and names what it was given: a server that never answers
// (timeout), a cancelled load (AbortSignal), and bytes that are not a safetensors file.
import assert from "node:assert/strict";
import { initBackend, loadModel } from "../mod.ts";

await initBackend("cpu");

/** A local server that accepts requests and never answers until `close`. */
function silentServer() {
  const releases: (() => void)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    await new Promise<void>((r) => releases.push(r));
    return new Response("late");
  });
  const url = `http://127.0.0.1:${server.addr.port}/model.safetensors`;
  const close = async () => {
    releases.forEach((r) => r());
    await server.shutdown();
  };
  return { url, close };
}

Deno.test("loadModel: a server that never answers times out, naming the URL", async () => {
  const { url, close } = silentServer();
  try {
    const t0 = performance.now();
    await assert.rejects(
      () => loadModel(url, { timeoutMs: 200 }),
      (e: Error) => {
        assert.match(e.message, /no complete answer within 200 ms; gave up \(timeoutMs\)/);
        assert.ok(e.message.startsWith(url), e.message);
        return true;
      },
    );
    assert.ok(performance.now() - t0 < 5000);
  } finally {
    await close();
  }
});

Deno.test("loadModel: an AbortSignal cancels the load, naming the URL and the reason", async () => {
  const { url, close } = silentServer();
  try {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error("user left")), 100);
    await assert.rejects(
      () => loadModel(url, { signal: ctl.signal, timeoutMs: 0 }),
      new RegExp(`${url.replaceAll(".", "\\.")}: loading was aborted \\(user left\\)`),
    );
    await assert.rejects(
      () => loadModel(url, { signal: AbortSignal.abort(new Error("before")) }),
      /loading was aborted \(before\)/,
    );
  } finally {
    await close();
  }
  await assert.rejects(() => loadModel("x", { timeoutMs: -1 }), /timeoutMs must be >= 0/);
});

Deno.test("loadModel: random bytes are not a safetensors file, naming the source", async () => {
  const noise = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
  await assert.rejects(() => loadModel(noise), /weights bytes: not a safetensors file/);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/noise.safetensors`, noise);
    await assert.rejects(
      () => loadModel(`${dir}/noise.safetensors`),
      (e: Error) => {
        assert.match(e.message, /noise\.safetensors: not a safetensors file/);
        assert.doesNotMatch(e.message, /truncated/);
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
