/**
 * Headless Chromium driven over the DevTools protocol with the runtime's own WebSocket (Deno and Bun
 * both have one), for tests of the browser page. No npm package: the protocol needs four commands.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The Chromium binary: `$CHROMIUM` when set (undefined if it does not exist), else Debian's `chromium` or
 * another usual path, else undefined.
 */
export function findChromium(): string | undefined {
  const chosen = process.env.CHROMIUM;
  const candidates = chosen
    ? [chosen]
    : ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  return candidates.find((path) => existsSync(path));
}

/** A page in a running headless Chromium. */
export interface BrowserPage {
  /** Load a URL and wait for its `load` event. */
  goto(url: string): Promise<void>;
  /** Evaluate an expression in the page (promises awaited) and return its JSON value. */
  evaluate<T>(expression: string): Promise<T>;
  /** Evaluate `expression` until it is truthy (every 50 ms), or fail after `timeoutMs` with `what`. */
  waitFor(expression: string, what: string, timeoutMs?: number): Promise<void>;
  /** Choose a local file in the `<input type="file">` matching `selector`, as a user would. */
  chooseFile(selector: string, path: string): Promise<void>;
  /** Save a PNG screenshot of the viewport. */
  screenshot(path: string): Promise<void>;
  /** Close the browser and remove its profile. */
  close(): Promise<void>;
}

/**
 * Start headless Chromium with a fresh profile and open one page of `width` × `height` CSS pixels.
 *
 * @param binary The Chromium executable.
 * @param size The viewport.
 * @returns The page.
 */
export async function launchChromium(
  binary: string,
  size: { width: number; height: number },
): Promise<BrowserPage> {
  const profile = await mkdtemp(join(tmpdir(), "cloudfits-chromium-"));
  const child = spawn(binary, [
    "--headless=new",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--font-render-hinting=none",
    ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
    `--user-data-dir=${profile}`,
    "--remote-debugging-port=0",
    `--window-size=${size.width},${size.height}`,
    "about:blank",
  ], { stdio: "ignore" });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const cleanUp = async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited;
    await rm(profile, { recursive: true, force: true });
  };
  try {
    // Chromium writes its port to DevToolsActivePort once it listens.
    let port: string | undefined;
    for (let waited = 0; port === undefined; waited += 50) {
      if (waited > 20_000 || child.exitCode !== null) throw new Error(`Chromium did not start: ${binary}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      port = (await readFile(join(profile, "DevToolsActivePort"), "utf8").catch(() => ""))
        .split("\n")[0] || undefined;
    }
    const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as {
      type: string;
      webSocketDebuggerUrl: string;
    }[];
    const target = targets.find((t) => t.type === "page");
    if (target === undefined) throw new Error("Chromium has no page");
    const protocol = await connect(target.webSocketDebuggerUrl);
    await protocol.send("Page.enable");
    await protocol.send("Emulation.setDeviceMetricsOverride", {
      ...size,
      deviceScaleFactor: 1,
      mobile: false,
    });

    const evaluate = async <T>(expression: string): Promise<T> => {
      const { result, exceptionDetails } = await protocol.send("Runtime.evaluate", {
        expression,
        awaitPromise: true,
        returnByValue: true,
      }) as {
        result: { value: T };
        exceptionDetails?: { text: string; exception?: { description?: string } };
      };
      if (exceptionDetails) {
        throw new Error(`${expression}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
      }
      return result.value;
    };
    return {
      async goto(url) {
        const loaded = protocol.once("Page.loadEventFired");
        await protocol.send("Page.navigate", { url });
        await loaded;
      },
      evaluate,
      async waitFor(expression, what, timeoutMs = 20_000) {
        for (let waited = 0; !(await evaluate<boolean>(`Boolean(${expression})`)); waited += 50) {
          if (waited > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
      async chooseFile(selector, path) {
        const { root } = await protocol.send("DOM.getDocument") as { root: { nodeId: number } };
        const { nodeId } = await protocol.send("DOM.querySelector", { nodeId: root.nodeId, selector }) as {
          nodeId: number;
        };
        await protocol.send("DOM.setFileInputFiles", { nodeId, files: [path] });
      },
      async screenshot(path) {
        const { data } = await protocol.send("Page.captureScreenshot", { format: "png" }) as { data: string };
        await writeFile(path, Buffer.from(data, "base64"));
      },
      async close() {
        protocol.close();
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** A DevTools protocol connection: numbered commands, and waiting for one event. */
async function connect(url: string): Promise<{
  send(method: string, params?: object): Promise<unknown>;
  once(event: string): Promise<unknown>;
  close(): void;
}> {
  const socket = new WebSocket(url);
  await new Promise<void>((open, failed) => {
    socket.onopen = () => open();
    socket.onerror = () => failed(new Error(`Cannot connect to ${url}`));
  });
  let next = 0;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const waiting = new Map<string, ((params: unknown) => void)[]>();
  socket.onmessage = (message) => {
    const data = JSON.parse(String(message.data));
    if (data.id !== undefined) {
      const call = pending.get(data.id);
      pending.delete(data.id);
      if (data.error) call?.reject(new Error(`${data.error.message} (${data.error.code})`));
      else call?.resolve(data.result);
    } else if (data.method) {
      for (const resolve of waiting.get(data.method) ?? []) resolve(data.params);
      waiting.delete(data.method);
    }
  };
  return {
    send(method, params = {}) {
      const id = ++next;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    once(event) {
      return new Promise((resolve) => waiting.set(event, [...(waiting.get(event) ?? []), resolve]));
    },
    close() {
      socket.close();
    },
  };
}
