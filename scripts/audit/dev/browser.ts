/**
 * Finds a Chrome/Chromium for the report's browser test (test/pipeline/browser-report.test.ts) and
 * launches it with playwright-core. Order:
 *
 *   1. `CHROME_PATH` (an explicit choice: if it names no executable file, that is an error, not a
 *      reason to look further);
 *   2. a system Chrome/Chromium: `SYSTEM_BROWSER_NAMES` on `PATH`, then `SYSTEM_BROWSER_LOCATIONS`;
 *   3. the Chromium shipped inside the `@sparticuz/chromium` npm package (a devDependency pinned to
 *      the Chromium major that the pinned playwright-core drives; Linux x64 only), unpacked on first
 *      use into `node_modules/.cache/report-browser/` (about 200 MB, about 2 s), so `npm ci` alone
 *      gives every Linux x64 machine a browser.
 *
 * Nothing found: `BrowserNotFoundError`, whose one-line message says what was tried.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { isExecutable } from "../paths";

const REPO = path.resolve(__dirname, "..", "..", "..");

/** Looked up on `PATH`, in this order. */
export const SYSTEM_BROWSER_NAMES: readonly string[] = ["google-chrome-stable", "google-chrome", "chromium", "chromium-browser"];

/** Checked after `PATH`, in this order (Debian/Ubuntu packages, Google's .deb, snap, macOS apps). */
export const SYSTEM_BROWSER_LOCATIONS: readonly string[] = [
  "/usr/bin/google-chrome-stable",
  "/usr/bin/google-chrome",
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/opt/google/chrome/chrome",
  "/snap/bin/chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

/** The npm package that ships a Chromium build (brotli-compressed, in its `bin/`). */
export const NPM_BROWSER_PACKAGE = "@sparticuz/chromium";

/** Where the npm-shipped Chromium is unpacked: one folder per package version. */
export const DEFAULT_NPM_CACHE_DIR = path.join(REPO, "node_modules", ".cache", "report-browser");

/**
 * Launch flags that work on a machine whose network reaches nothing but package registries: without
 * the background-networking ones, Chromium's own connections are refused and logged. Playwright adds
 * `--headless` (headless: true) and a new empty `--user-data-dir` for every launch.
 */
export const BROWSER_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export type BrowserSource = "CHROME_PATH" | "system" | "npm";

export interface FoundBrowser {
  /** Absolute path of the browser's executable. */
  executablePath: string;
  source: BrowserSource;
  /** One line for logs, e.g. `@sparticuz/chromium 141.0.0 (/repo/node_modules/.cache/...)`. */
  label: string;
  /** Variables to add to the browser's environment (the npm build's bundled libraries and fonts). */
  env?: Record<string, string>;
  /** Wall time spent unpacking the npm build in this call, in milliseconds (0: already unpacked). */
  unpackMs?: number;
}

export interface FindBrowserOptions {
  /** Where `CHROME_PATH` and `PATH` are read. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Default: `SYSTEM_BROWSER_NAMES`. */
  systemNames?: readonly string[];
  /** Default: `SYSTEM_BROWSER_LOCATIONS`. */
  systemLocations?: readonly string[];
  /** `false` skips the npm-shipped browser. */
  npm?: false | NpmBrowserOptions;
}

export interface NpmBrowserOptions {
  /** Default: `DEFAULT_NPM_CACHE_DIR`. */
  cacheDir?: string;
  /** Default: `NPM_BROWSER_PACKAGE`. */
  packageName?: string;
  /** Default: `process.platform` / `process.arch`. */
  platform?: NodeJS.Platform;
  arch?: string;
}

/** No browser could be had; the message (one line) lists every place tried. */
export class BrowserNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BrowserNotFoundError";
    // Mocha prints `stack`: keep the failure to the one line that says what was tried.
    this.stack = `${this.name}: ${message}`;
  }
}


/**
 * The browser to use, in the order described at the top of this file.
 *
 * @throws BrowserNotFoundError when `CHROME_PATH` names no executable file, or when no step found one.
 */
export async function findBrowser(options: FindBrowserOptions = {}): Promise<FoundBrowser> {
  const env = options.env ?? process.env;
  const chromePath = env.CHROME_PATH;
  if (chromePath !== undefined && chromePath !== "") {
    if (!isExecutable(chromePath)) {
      throw new BrowserNotFoundError(`CHROME_PATH=${chromePath} is not an executable file: point it at a Chrome/Chromium binary, or unset it`);
    }
    return { executablePath: path.resolve(chromePath), source: "CHROME_PATH", label: `CHROME_PATH (${path.resolve(chromePath)})` };
  }

  const names = options.systemNames ?? SYSTEM_BROWSER_NAMES;
  const dirs = (env.PATH ?? "").split(path.delimiter).filter((d) => d !== "");
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      if (isExecutable(file)) return { executablePath: file, source: "system", label: `system ${name} (${file})` };
    }
  }
  const locations = options.systemLocations ?? SYSTEM_BROWSER_LOCATIONS;
  for (const file of locations) {
    if (isExecutable(file)) return { executablePath: file, source: "system", label: `system browser (${file})` };
  }

  const tried = [
    "CHROME_PATH is not set",
    names.length ? `no ${names.join(", ")} on PATH` : undefined,
    locations.length ? `none of ${locations.join(", ")}` : undefined,
  ].filter((s): s is string => s !== undefined);
  if (options.npm === false) {
    throw new BrowserNotFoundError(`no browser for the report test: ${tried.join("; ")}; the npm-shipped browser was not tried`);
  }
  const npm = await npmBrowser(options.npm ?? {});
  if ("executablePath" in npm) return npm;
  throw new BrowserNotFoundError(
    `no browser for the report test: ${tried.join("; ")}; ${npm.reason}. ` +
      "Set CHROME_PATH to a Chrome/Chromium binary, or SKIP_BROWSER_TESTS=1 to skip the browser test on purpose",
  );
}

/** The installed package's folder and version, or undefined when it is not installed. */
function installedPackage(packageName: string): { version: string; main: string } | undefined {
  let main: string;
  try {
    main = require.resolve(packageName, { paths: [REPO] });
  } catch {
    return undefined;
  }
  // The package's exports map hides package.json: walk up from its entry point.
  for (let dir = path.dirname(main); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version?: string };
    if (pkg.name === packageName && pkg.version) return { version: pkg.version, main };
  }
  return undefined;
}

/** Removes staging folders left by unpacks whose process is gone (killed mid-unpack). */
function removeAbandonedStaging(cacheDir: string): void {
  for (const entry of readdirSync(cacheDir)) {
    const match = /^\.partial-(\d+)-/.exec(entry);
    if (!match) continue;
    try {
      process.kill(Number(match[1]), 0);
    } catch (error) {
      // ESRCH: no such process. (EPERM: it runs, as another user.)
      if ((error as NodeJS.ErrnoException).code === "ESRCH") rmSync(path.join(cacheDir, entry), { recursive: true, force: true });
    }
  }
}

/**
 * The Chromium of `@sparticuz/chromium`, unpacked into `<cacheDir>/<version>/` once.
 *
 * The package's own `executablePath()` inflates into `os.tmpdir()` at fixed names (`/tmp/chromium`,
 * and returns whatever file is there, another version's or a half-written one included). So it runs
 * in a child process whose `TMPDIR` is a private staging folder, which is then renamed into place:
 * a folder named after the version exists only complete, and concurrent first runs each unpack and
 * the first rename wins. `AWS_EXECUTION_ENV` makes the package also inflate `al2023.tar.br`, the
 * libraries the binary links against beyond glibc (NSS, NSPR, expat), which a minimal Debian lacks;
 * the browser runs with them first on `LD_LIBRARY_PATH`, and with a fontconfig file that adds the
 * package's bundled font to the system's fonts (a machine with no fonts still renders text).
 */
export async function npmBrowser(options: NpmBrowserOptions = {}): Promise<FoundBrowser | { reason: string }> {
  const packageName = options.packageName ?? NPM_BROWSER_PACKAGE;
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  if (platform !== "linux" || arch !== "x64") {
    return { reason: `${packageName} ships a Linux x64 build only (this is ${platform} ${arch})` };
  }
  const pkg = installedPackage(packageName);
  if (!pkg) return { reason: `${packageName} is not installed (npm ci installs it)` };

  const cacheDir = options.cacheDir ?? DEFAULT_NPM_CACHE_DIR;
  const finalDir = path.join(cacheDir, pkg.version);
  const result = (unpackMs: number): FoundBrowser => ({
    executablePath: path.join(finalDir, "chromium"),
    source: "npm",
    label: `${packageName} ${pkg.version} (${finalDir})`,
    env: {
      LD_LIBRARY_PATH: [path.join(finalDir, "al2023", "lib"), process.env.LD_LIBRARY_PATH].filter(Boolean).join(":"),
      FONTCONFIG_FILE: path.join(finalDir, "fonts.conf"),
    },
    unpackMs,
  });
  if (isExecutable(path.join(finalDir, "chromium"))) return result(0);

  const started = Date.now();
  try {
    mkdirSync(cacheDir, { recursive: true });
    removeAbandonedStaging(cacheDir);
  } catch (error) {
    return { reason: `cannot create ${cacheDir} to unpack ${packageName}: ${(error as Error).message}` };
  }
  const staging = path.join(cacheDir, `.partial-${process.pid}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(staging);
  try {
    const script =
      `require(${JSON.stringify(pkg.main)}).executablePath()` +
      ".then((p) => process.stdout.write(p), (e) => { process.stderr.write(String((e && e.message) || e)); process.exit(1); })";
    try {
      await promisify(execFile)(process.execPath, ["-e", script], {
        env: { ...process.env, TMPDIR: staging, AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x" },
        maxBuffer: 1 << 20,
      });
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
      const firstLine = (stderr || (error as Error).message).split("\n")[0];
      return { reason: `unpacking ${packageName} ${pkg.version} failed: ${firstLine}` };
    }
    for (const file of ["chromium", path.join("al2023", "lib", "libnss3.so"), path.join("fonts", "fonts.conf")]) {
      if (!existsSync(path.join(staging, file))) {
        return { reason: `unpacking ${packageName} ${pkg.version} left no ${file} in ${staging}` };
      }
    }
    writeFileSync(
      path.join(staging, "fonts.conf"),
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        "<!-- Written by scripts/audit/dev/browser.ts: the system's fonts when it has any, plus the package's. -->",
        "<fontconfig>",
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
        `  <dir>${path.join(finalDir, "fonts")}</dir>`,
        `  <cachedir>${path.join(finalDir, "fonts-cache")}</cachedir>`,
        "</fontconfig>",
        "",
      ].join("\n"),
    );
    try {
      renameSync(staging, finalDir);
    } catch (error) {
      // Another run renamed its complete copy into place first: use that one.
      if (!isExecutable(path.join(finalDir, "chromium"))) {
        return { reason: `cannot move the unpacked ${packageName} to ${finalDir}: ${(error as Error).message}` };
      }
    }
    return result(Date.now() - started);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** A failed launch: one line naming the browser and the first line of Playwright's error. */
export class BrowserLaunchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BrowserLaunchError";
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * Launches `found` headless with `BROWSER_ARGS` through playwright-core.
 *
 * @throws BrowserLaunchError when the browser does not start.
 */
export async function launchBrowser(found: FoundBrowser): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  try {
    return await chromium.launch({
      executablePath: found.executablePath,
      headless: true,
      args: [...BROWSER_ARGS],
      env: found.env ? { ...process.env, ...found.env } : undefined,
    });
  } catch (error) {
    const lines = ((error as Error).message ?? String(error)).split("\n").map((l) => l.trim());
    const first = lines.find((l) => l !== "") ?? "";
    // Playwright appends the browser's own output as "[pid=N][err] ..." lines: the first one says why.
    const browserSaid = lines.find((l) => /\]\[err\] \S/.test(l))?.replace(/^.*?\]\[err\] /, "");
    throw new BrowserLaunchError(`${found.label} did not start: ${first}${browserSaid ? ` (the browser said: ${browserSaid})` : ""}`);
  }
}
