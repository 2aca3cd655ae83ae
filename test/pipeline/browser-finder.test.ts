/**
 * scripts/audit/dev/browser.ts: the order the report test's browser is looked for in (CHROME_PATH,
 * system, npm), the one-line failure when nothing is found, and the real npm-shipped Chromium:
 * unpacked into a fresh folder (concurrently, as two first runs would), launched, and the same
 * Chromium major as the pinned playwright-core drives.
 */
import { expect } from "chai";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  BrowserLaunchError,
  BrowserNotFoundError,
  DEFAULT_NPM_CACHE_DIR,
  NPM_BROWSER_PACKAGE,
  findBrowser,
  launchBrowser,
  npmBrowser,
} from "../../scripts/audit/dev/browser";

const REPO = path.resolve(__dirname, "..", "..");

function fakeExecutable(dir: string, name: string, mode = 0o755): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, "#!/bin/sh\nexit 0\n");
  chmodSync(file, mode);
  return file;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("pipeline: the report test's browser (scripts/audit/dev/browser.ts)", function () {
  let tmp: string;
  const noNpm = { npm: false } as const;

  beforeEach(function () {
    tmp = mkdtempSync(path.join(os.tmpdir(), "browser-finder-"));
  });
  afterEach(function () {
    rmSync(tmp, { recursive: true, force: true });
  });

  it("takes CHROME_PATH first, before a system browser on PATH", async function () {
    const chosen = fakeExecutable(path.join(tmp, "chosen"), "my-chrome");
    const bin = path.join(tmp, "bin");
    fakeExecutable(bin, "chromium");
    const found = await findBrowser({ env: { CHROME_PATH: chosen, PATH: bin }, ...noNpm });
    expect(found).to.include({ executablePath: chosen, source: "CHROME_PATH" });
  });

  it("fails on a CHROME_PATH that is no executable file instead of looking further", async function () {
    const bin = path.join(tmp, "bin");
    fakeExecutable(bin, "chromium");
    const notExecutable = fakeExecutable(tmp, "plain-file", 0o644);
    for (const chromePath of [path.join(tmp, "missing"), notExecutable, bin]) {
      const error = await rejection(findBrowser({ env: { CHROME_PATH: chromePath, PATH: bin }, ...noNpm }));
      expect(error).to.be.instanceOf(BrowserNotFoundError);
      expect(error.message).to.equal(`CHROME_PATH=${chromePath} is not an executable file: point it at a Chrome/Chromium binary, or unset it`);
    }
  });

  it("takes the first system name found on PATH, in name order, and skips non-executable files", async function () {
    const first = path.join(tmp, "first");
    const second = path.join(tmp, "second");
    fakeExecutable(first, "chromium", 0o644); // not executable: ignored
    fakeExecutable(first, "chromium-browser");
    const chrome = fakeExecutable(second, "google-chrome");
    const found = await findBrowser({ env: { PATH: [first, second].join(path.delimiter) }, systemLocations: [], ...noNpm });
    expect(found).to.include({ executablePath: chrome, source: "system" });

    const onlyChromium = await findBrowser({ env: { PATH: first }, systemLocations: [], ...noNpm });
    expect(onlyChromium.executablePath).to.equal(path.join(first, "chromium-browser"));
  });

  it("falls back to the usual locations when PATH has no browser", async function () {
    const located = fakeExecutable(path.join(tmp, "opt", "chrome"), "chrome");
    const found = await findBrowser({ env: { PATH: path.join(tmp, "empty") }, systemLocations: [path.join(tmp, "nope"), located], ...noNpm });
    expect(found).to.include({ executablePath: located, source: "system" });
    expect(found.env).to.equal(undefined);
  });

  it("fails with one line naming everything tried when no browser can be had", async function () {
    const options = { env: { PATH: path.join(tmp, "empty") }, systemNames: ["chromium"], systemLocations: ["/nowhere/chrome"] };
    const notInstalled = await rejection(findBrowser({ ...options, npm: { packageName: "@example/no-such-chromium" } }));
    expect(notInstalled).to.be.instanceOf(BrowserNotFoundError);
    expect(notInstalled.message).to.equal(
      "no browser for the report test: CHROME_PATH is not set; no chromium on PATH; none of /nowhere/chrome; " +
        "@example/no-such-chromium is not installed (npm ci installs it). " +
        "Set CHROME_PATH to a Chrome/Chromium binary, or SKIP_BROWSER_TESTS=1 to skip the browser test on purpose",
    );
    expect(notInstalled.stack).to.equal(`BrowserNotFoundError: ${notInstalled.message}`);
    expect(notInstalled.message).to.not.include("\n");

    const otherPlatform = await rejection(findBrowser({ ...options, npm: { platform: "darwin", arch: "arm64" } }));
    expect(otherPlatform.message).to.include(`${NPM_BROWSER_PACKAGE} ships a Linux x64 build only (this is darwin arm64)`);
  });

  it("reports a browser that does not start in one line, with the browser's own first error line", async function () {
    const broken = path.join(tmp, "broken-chrome");
    writeFileSync(broken, '#!/bin/sh\necho "error while loading shared libraries: libnspr4.so" >&2\nexit 127\n');
    chmodSync(broken, 0o755);
    const error = await rejection(launchBrowser({ executablePath: broken, source: "CHROME_PATH", label: `CHROME_PATH (${broken})` }));
    expect(error).to.be.instanceOf(BrowserLaunchError);
    expect(error.message.startsWith(`CHROME_PATH (${broken}) did not start: `), error.message).to.equal(true);
    expect(error.message.endsWith("(the browser said: error while loading shared libraries: libnspr4.so)"), error.message).to.equal(true);
    expect(error.message).to.not.include("\n");
    expect(error.stack).to.equal(`BrowserLaunchError: ${error.message}`);
  });

  describe("the Chromium shipped in @sparticuz/chromium", function () {
    this.timeout(120_000);

    before(function () {
      if (process.platform !== "linux" || process.arch !== "x64") {
        // The package ships a Linux x64 build only; elsewhere a system browser or CHROME_PATH serves.
        this.skip();
      }
    });

    it("is the Chromium major that the pinned playwright-core drives", function () {
      const browsers = JSON.parse(readFileSync(path.join(REPO, "node_modules", "playwright-core", "browsers.json"), "utf8")) as {
        browsers: { name: string; browserVersion: string }[];
      };
      const playwrightMajor = browsers.browsers.find((b) => b.name === "chromium")!.browserVersion.split(".")[0];
      const pinned = (JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { devDependencies: Record<string, string> })
        .devDependencies[NPM_BROWSER_PACKAGE];
      expect(pinned, `${NPM_BROWSER_PACKAGE} pinned exactly`).to.match(/^\d+\.\d+\.\d+$/);
      expect(pinned.split(".")[0], `${NPM_BROWSER_PACKAGE} ${pinned} against playwright-core's Chromium`).to.equal(playwrightMajor);
    });

    it("unpacks complete into a fresh folder when two runs start at once, removes abandoned staging, and launches with its own libraries", async function () {
      const cacheDir = path.join(tmp, "cache");
      // What an unpack killed half-way leaves (its pid is above Linux's pid_max, so no process has it).
      const abandoned = path.join(cacheDir, ".partial-999999999-abc");
      mkdirSync(abandoned, { recursive: true });
      writeFileSync(path.join(abandoned, "chromium"), "truncated");
      const [a, b] = await Promise.all([npmBrowser({ cacheDir }), npmBrowser({ cacheDir })]);
      if (!("executablePath" in a) || !("executablePath" in b)) throw new Error(`unpack failed: ${JSON.stringify([a, b])}`);
      expect(a.executablePath).to.equal(b.executablePath);
      const version = path.basename(path.dirname(a.executablePath));
      expect(readdirSync(cacheDir), "no staging folder left, the abandoned one removed").to.deep.equal([version]);
      expect(statSync(a.executablePath).size).to.be.greaterThan(100_000_000);
      expect(a.env!.LD_LIBRARY_PATH.split(":")[0]).to.equal(path.join(cacheDir, version, "al2023", "lib"));
      expect(readFileSync(a.env!.FONTCONFIG_FILE, "utf8")).to.include(`<dir>${path.join(cacheDir, version, "fonts")}</dir>`);

      const again = await npmBrowser({ cacheDir });
      expect(again).to.include({ executablePath: a.executablePath, unpackMs: 0 });

      const browser = await launchBrowser(a);
      try {
        expect(browser.version().split(".")[0]).to.equal(version.split(".")[0]);
        const page = await browser.newPage();
        await page.setContent('<p style="font-family: sans-serif">rendered text</p>');
        const box = await page.locator("p").boundingBox();
        expect(box!.width, "text laid out with a font").to.be.greaterThan(50);
      } finally {
        await browser.close();
      }
    });

    it("is what findBrowser returns when neither CHROME_PATH nor a system browser is there", async function () {
      const found = await findBrowser({ env: { PATH: path.join(tmp, "empty") }, systemLocations: [] });
      expect(found.source).to.equal("npm");
      expect(path.dirname(path.dirname(found.executablePath))).to.equal(DEFAULT_NPM_CACHE_DIR);
    });
  });
});
