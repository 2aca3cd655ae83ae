/**
 * Tool provisioning (scripts/audit/tools/provision.ts). The installer command
 * runner is injected: these tests never touch a registry, except the last
 * block, which only runs when the real tools are already in .tools/ (then it
 * takes well under a second).
 */
import { expect } from "chai";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import {
  detectEchidna,
  ensureEchidnaParade,
  ensureMedusa,
  ensurePythonTools,
  ensureSlither,
  findOnPath,
  lockIsStale,
  MEDUSA_MODULE_DIR,
  MEDUSA_PIN,
  networkProblem,
  PYTHON_PINS,
  readStamp,
  toolPaths,
  ToolInstallError,
  ToolUnavailableError,
  withLock,
  type CommandOptions,
  type CommandResult,
  type CommandRunner,
  type ProvisionOptions,
} from "../../scripts/audit/tools/provision";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

interface Call {
  file: string;
  args: readonly string[];
  opts: CommandOptions;
}

/**
 * A fake installer: `python3 -m venv` creates the venv's bin with executable
 * stubs, `pip install` "installs" (unless told to fail), the version probe
 * prints the requested pins, `go build` creates the -o file.
 */
function fakeRunner(behaviour: { pip?: CommandResult; go?: CommandResult; pipDelayMs?: number; versions?: Record<string, string>; noEnsurepip?: boolean } = {}) {
  const calls: Call[] = [];
  const runner: CommandRunner = async (file, args, opts) => {
    calls.push({ file, args, opts });
    const exe = (p: string): void => {
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, "#!/bin/sh\necho stub\n");
      chmodSync(p, 0o755);
    };
    if (args[0] === "-c" && String(args[1]).includes("sys.version_info")) return { exitCode: 0, stdout: "3.11.7\n", stderr: "" };
    if (args[0] === "-m" && args[1] === "venv") {
      const withoutPip = args[2] === "--without-pip";
      if (behaviour.noEnsurepip && !withoutPip) {
        return { exitCode: 1, stdout: "The virtual environment was not created successfully because ensurepip is not\navailable.  On Debian/Ubuntu systems, you need to install the python3-venv\npackage", stderr: "" };
      }
      const bin = path.join(String(args[withoutPip ? 3 : 2]), "bin");
      exe(path.join(bin, "python"));
      return { exitCode: 0, stdout: "", stderr: "" };
    }
    if (args[0] === "-m" && args[1] === "pip" && args[2] === "--version") return { exitCode: 0, stdout: "pip 24.0", stderr: "" };
    if (args[0] === "-m" && args[1] === "pip") {
      if (behaviour.pipDelayMs) await new Promise((r) => setTimeout(r, behaviour.pipDelayMs));
      if (behaviour.pip) return behaviour.pip;
      const bin = path.dirname(args[2] === "--python" ? String(args[3]) : file);
      for (const b of ["slither", "slither-check-upgradeability", "crytic-compile", "echidna-parade"]) exe(path.join(bin, b));
      return { exitCode: 0, stdout: "Successfully installed ...", stderr: "" };
    }
    if (args[0] === "-c") {
      const versions = behaviour.versions ?? { ...PYTHON_PINS, "crytic-compile": "0.4.2" };
      return { exitCode: 0, stdout: `${JSON.stringify(versions)}\n`, stderr: "" };
    }
    if (args[0] === "build") {
      if (behaviour.go) return behaviour.go;
      exe(String(args[args.indexOf("-o") + 1]));
      return { exitCode: 0, stdout: "", stderr: "" };
    }
    return { exitCode: 127, stdout: "", stderr: `unexpected command ${file} ${args.join(" ")}` };
  };
  return { runner, calls };
}

const pipInstalls = (calls: Call[]): Call[] => calls.filter((c) => c.args[0] === "-m" && c.args[1] === "pip" && c.args.includes("install"));

describe("tool provisioning (.tools/)", function () {
  let root: string;
  let logs: string[];
  const options = (runner: CommandRunner, extra: Partial<ProvisionOptions> = {}): ProvisionOptions => ({
    root,
    log: (m) => logs.push(m),
    runner,
    // A PATH where python3 and go "exist" (the fake runner answers for them).
    env: { PATH: path.join(root, "fakebin") },
    ...extra,
  });

  beforeEach(function () {
    root = mkdtempSync(path.join(tmpdir(), "provision-"));
    logs = [];
    const fakebin = path.join(root, "fakebin");
    mkdirSync(fakebin);
    for (const b of ["python3", "go"]) {
      writeFileSync(path.join(fakebin, b), "#!/bin/sh\nexit 1\n");
      chmodSync(path.join(fakebin, b), 0o755);
    }
  });
  afterEach(function () {
    rmSync(root, { recursive: true, force: true });
  });

  it("installs the pinned Python tools once, writes a stamp, and reuses them on later runs", async function () {
    const { runner, calls } = fakeRunner();
    const first = await ensureSlither(options(runner));
    expect(pipInstalls(calls)).to.have.length(1);
    const pipArgs = pipInstalls(calls)[0].args;
    expect(pipArgs).to.include(`slither-analyzer==${PYTHON_PINS["slither-analyzer"]}`);
    expect(pipArgs).to.include(`echidna-parade==${PYTHON_PINS["echidna-parade"]}`);
    expect(pipArgs.some((a) => a.startsWith("crytic-compile")), "crytic-compile is left to pip's resolver").to.equal(false);
    expect(first.slither.bin).to.equal(path.join(root, ".tools", "venv", "bin", "slither"));
    expect(first.slither.version).to.equal(PYTHON_PINS["slither-analyzer"]);
    expect(first.cryticCompile.version).to.equal("0.4.2");
    expect(first.slither.env?.PATH?.split(path.delimiter)[0]).to.equal(path.join(root, ".tools", "venv", "bin"));
    const stamp = readStamp(toolPaths({ root }), "python");
    expect(stamp?.pins).to.deep.equal(PYTHON_PINS);

    const again = await ensureSlither(options(runner));
    await ensureEchidnaParade(options(runner));
    expect(pipInstalls(calls), "no second pip install").to.have.length(1);
    expect(again.slither.bin).to.equal(first.slither.bin);
    expect(logs.filter((l) => l.startsWith("installing"))).to.have.length(1);
  });

  it("re-installs (fresh venv) when the pins recorded in the stamp differ from the current pins", async function () {
    const { runner, calls } = fakeRunner();
    await ensurePythonTools(options(runner));
    const paths = toolPaths({ root });
    const stampPath = path.join(paths.stamps, "python.json");
    const stamp = JSON.parse(readFileSync(stampPath, "utf8")) as { pins: Record<string, string> };
    stamp.pins["slither-analyzer"] = "0.10.0";
    writeFileSync(stampPath, JSON.stringify(stamp));
    writeFileSync(path.join(paths.venv, "leftover"), "from the old venv");

    await ensurePythonTools(options(runner));
    expect(pipInstalls(calls)).to.have.length(2);
    expect(existsSync(path.join(paths.venv, "leftover")), "the venv is recreated").to.equal(false);
    expect(readStamp(paths, "python")?.pins).to.deep.equal(PYTHON_PINS);
    expect(logs.some((l) => l.includes("pins changed") && l.includes("0.10.0"))).to.equal(true);
  });

  it("re-installs when the stamp matches but a binary is gone, and says that, not that pins changed", async function () {
    const { runner, calls } = fakeRunner();
    await ensurePythonTools(options(runner));
    rmSync(path.join(toolPaths({ root }).venvBin, "slither"));
    await ensurePythonTools(options(runner));
    expect(pipInstalls(calls)).to.have.length(2);
    expect(logs.some((l) => l.includes("pins changed")), logs.join("\n")).to.equal(false);
    expect(logs).to.include(`slither missing from .tools/venv/bin: recreating .tools/venv with ${Object.entries(PYTHON_PINS).map(([p, v]) => `${p}==${v}`).join(" ")}`);
  });

  it("turns an unreachable PyPI into a ToolUnavailableError with a one-line reason, and leaves no stamp", async function () {
    const pipOutput = [
      "WARNING: Retrying (Retry(total=1, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno 101] Network is unreachable')': /simple/slither-analyzer/",
      "ERROR: Could not find a version that satisfies the requirement slither-analyzer==0.11.6 (from versions: none)",
      "ERROR: No matching distribution found for slither-analyzer==0.11.6",
    ].join("\n");
    const { runner } = fakeRunner({ pip: { exitCode: 1, stdout: "", stderr: pipOutput } });
    let error: unknown;
    try {
      await ensureSlither(options(runner));
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ToolUnavailableError);
    const e = error as ToolUnavailableError;
    expect(e.reason).to.match(/^PyPI is unreachable/);
    expect(e.reason).to.include("Failed to establish a new connection");
    expect(e.message.split("\n")).to.have.length(1);
    expect(readStamp(toolPaths({ root }), "python")).to.equal(undefined);
    expect(existsSync(toolPaths({ root }).venv), "the half-made venv is removed").to.equal(false);
  });

  it("without ensurepip (Debian without python3-venv): a bare venv filled by the system pip", async function () {
    const { runner, calls } = fakeRunner({ noEnsurepip: true });
    const { slither } = await ensureSlither(options(runner));
    const install = pipInstalls(calls)[0];
    expect(install.file).to.equal(path.join(root, "fakebin", "python3"));
    expect(install.args.slice(0, 4)).to.deep.equal(["-m", "pip", "--python", path.join(root, ".tools", "venv", "bin", "python")]);
    expect(slither.bin).to.equal(path.join(root, ".tools", "venv", "bin", "slither"));
    expect(logs.some((l) => l.includes("has no ensurepip"))).to.equal(true);
  });

  it("turns any other pip failure into a ToolInstallError carrying the output's tail", async function () {
    const { runner } = fakeRunner({ pip: { exitCode: 1, stdout: "", stderr: "error: subprocess-exited-with-error\nbuilding wheel failed" } });
    const error = await ensureSlither(options(runner)).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ToolInstallError);
    expect((error as ToolInstallError).stderrTail).to.include("building wheel failed");
  });

  it("reports a missing python3 and a missing go as ToolUnavailableError", async function () {
    const { runner } = fakeRunner();
    const noPython = await ensureSlither(options(runner, { env: { PATH: path.join(root, "nowhere") } })).catch((e: unknown) => e);
    expect(noPython).to.be.instanceOf(ToolUnavailableError);
    expect((noPython as ToolUnavailableError).reason).to.match(/no python3/);

    rmSync(path.join(root, "fakebin", "go"));
    const noGo = await ensureMedusa(options(runner)).catch((e: unknown) => e);
    expect(noGo).to.be.instanceOf(ToolUnavailableError);
    expect((noGo as ToolUnavailableError).reason).to.match(/^go is not on PATH/);
  });

  it("offline: uses what is installed, never installs", async function () {
    const { runner, calls } = fakeRunner();
    const error = await ensureSlither(options(runner, { offline: true })).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ToolUnavailableError);
    expect((error as ToolUnavailableError).reason).to.match(/^offline/);
    expect(calls).to.have.length(0);
    await ensureSlither(options(runner));
    await ensureSlither(options(runner, { offline: true }));
  });

  it("installs only once when two stages provision at the same time", async function () {
    const { runner, calls } = fakeRunner({ pipDelayMs: 50 });
    const [a, b] = await Promise.all([ensureSlither(options(runner)), ensureEchidnaParade(options(runner))]);
    expect(pipInstalls(calls)).to.have.length(1);
    expect(a.slither.bin).to.not.equal(b.bin);
  });

  it("waits for another process's lock, then reuses what that process installed", async function () {
    const { runner, calls } = fakeRunner();
    const paths = toolPaths({ root });
    // Another live process (our parent's pid) holds the lock...
    mkdirSync(paths.locks, { recursive: true });
    const lockFile = path.join(paths.locks, "python.lock");
    writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: "" }));
    const waiting = ensurePythonTools(options(runner));
    await new Promise((r) => setTimeout(r, 300));
    expect(logs.some((l) => l.startsWith("waiting for another process"))).to.equal(true);
    // ...installs the venv and writes the stamp, then releases the lock.
    for (const b of ["python", "slither", "slither-check-upgradeability", "crytic-compile", "echidna-parade"]) {
      mkdirSync(paths.venvBin, { recursive: true });
      writeFileSync(path.join(paths.venvBin, b), "#!/bin/sh\n");
      chmodSync(path.join(paths.venvBin, b), 0o755);
    }
    mkdirSync(paths.stamps, { recursive: true });
    writeFileSync(path.join(paths.stamps, "python.json"), JSON.stringify({ pins: PYTHON_PINS, versions: { "crytic-compile": "0.4.2" }, installedAt: "" }));
    rmSync(lockFile);
    const stamp = await waiting;
    expect(stamp.versions["crytic-compile"]).to.equal("0.4.2");
    expect(calls, "nothing installed: the stamp was re-checked under the lock").to.have.length(0);
  });

  it("breaks a lock whose owner process is dead", async function () {
    const paths = toolPaths({ root });
    mkdirSync(paths.locks, { recursive: true });
    const lockFile = path.join(paths.locks, "x.lock");
    writeFileSync(lockFile, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: "" }));
    expect(lockIsStale(lockFile)).to.equal(true);
    let ran = false;
    await withLock(paths, "x", options(fakeRunner().runner), async () => {
      ran = true;
    });
    expect(ran).to.equal(true);
    expect(existsSync(lockFile), "released").to.equal(false);
  });

  it("builds medusa from the committed wrapper module into .tools/bin and reuses it", async function () {
    const { runner, calls } = fakeRunner();
    const medusa = await ensureMedusa(options(runner));
    expect(medusa.bin).to.equal(path.join(root, ".tools", "bin", "medusa"));
    expect(medusa.version).to.equal(MEDUSA_PIN.version.replace(/^v/, ""));
    const build = calls.find((c) => c.args[0] === "build")!;
    expect(build.opts.cwd).to.equal(MEDUSA_MODULE_DIR);
    expect(build.opts.env?.GOTOOLCHAIN).to.equal("local");
    expect(build.args).to.include(MEDUSA_PIN.module);
    await ensureMedusa(options(runner));
    expect(calls.filter((c) => c.args[0] === "build")).to.have.length(1);
    // The binary gone, the pins unchanged: rebuilt, and the log says why.
    rmSync(medusa.bin);
    await ensureMedusa(options(runner));
    expect(calls.filter((c) => c.args[0] === "build")).to.have.length(2);
    expect(logs.some((l) => l.includes("pins changed")), logs.join("\n")).to.equal(false);
    expect(logs).to.include(`.tools/bin/medusa is missing: rebuilding ${MEDUSA_PIN.module}@${MEDUSA_PIN.version}`);
    // medusa needs crytic-compile: its env has the venv on PATH.
    expect(medusa.env?.PATH?.split(path.delimiter)).to.include(path.join(root, ".tools", "venv", "bin"));
  });

  it("an unreachable Go proxy is a ToolUnavailableError", async function () {
    const { runner } = fakeRunner({
      go: { exitCode: 1, stdout: "", stderr: 'go: github.com/crytic/medusa@v1.5.1: Get "https://proxy.golang.org/github.com/crytic/medusa/@v/v1.5.1.info": dial tcp: lookup proxy.golang.org: no such host' },
    });
    const error = await ensureMedusa(options(runner)).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ToolUnavailableError);
    expect((error as ToolUnavailableError).reason).to.match(/^the Go module proxy is unreachable/);
  });

  it("the wrapper go.mod requires exactly MEDUSA_PIN", function () {
    const gomod = readFileSync(path.join(MEDUSA_MODULE_DIR, "go.mod"), "utf8");
    expect(gomod).to.match(new RegExp(`^require ${MEDUSA_PIN.module.replace(/\./g, "\\.")} ${MEDUSA_PIN.version.replace(/\./g, "\\.")}$`, "m"));
  });

  it("recognizes network failures in installer output and nothing else", function () {
    expect(networkProblem("dial tcp 1.2.3.4:443: i/o timeout")).to.match(/dial tcp/);
    expect(networkProblem("Temporary failure in name resolution")).to.match(/name resolution/);
    expect(networkProblem("error: subprocess-exited-with-error")).to.equal(undefined);
  });

  it("findOnPath and detectEchidna", async function () {
    const bin = path.join(root, "fakebin");
    writeFileSync(path.join(bin, "echidna"), "#!/bin/sh\necho 'Echidna 2.2.7'\n");
    chmodSync(path.join(bin, "echidna"), 0o755);
    writeFileSync(path.join(bin, "not-executable"), "");
    const env = { PATH: [path.join(root, "missing"), bin].join(path.delimiter) };
    expect(findOnPath("echidna", env)).to.equal(path.join(bin, "echidna"));
    expect(findOnPath("not-executable", env)).to.equal(undefined);
    expect(findOnPath("nope", env)).to.equal(undefined);
    const echidna = await detectEchidna({ env });
    expect(echidna).to.deep.include({ name: "echidna", version: "2.2.7", bin: path.join(bin, "echidna") });
    expect(await detectEchidna({ env: { PATH: path.join(root, "missing") } })).to.equal(undefined);
  });
});

const realInstalled = readStamp(toolPaths({ root: REPO_ROOT }), "python")?.pins?.["slither-analyzer"] === PYTHON_PINS["slither-analyzer"];

describe("tool provisioning against this repository's real .tools/", function () {
  // Conditional on purpose: provisioning from scratch downloads ~60 MB from PyPI. When the tools
  // are installed (npm run tools:install, which .ci/run does first) this is a stamp check.
  (realInstalled ? it : it.skip)("when .tools/ is already provisioned: ensureSlither reuses it and slither runs", async function () {
    this.timeout(60_000);
    const logs: string[] = [];
    // offline: true makes any attempt to install fail, so success proves the stamp was reused.
    const { slither } = await ensureSlither({ root: REPO_ROOT, log: (m) => logs.push(m), offline: true });
    expect(logs.filter((m) => /install/i.test(m))).to.deep.equal([]);
    const { execa } = await import("execa");
    const r = await execa(slither.bin, ["--version"], { env: slither.env, reject: false });
    expect(r.stdout.trim()).to.equal(PYTHON_PINS["slither-analyzer"]);
  });
});
