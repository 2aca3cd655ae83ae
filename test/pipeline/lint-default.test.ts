/**
 * The lint stage's default rules for a project without a lint config (DEFAULT_SOLHINT_CONFIG): solhint's
 * recommended set without its style rules. Checked against the pinned solhint's own rule categories, and
 * on a real run: style is quiet, a security rule still fires.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { DEFAULT_SOLHINT_CONFIG, STYLE_RULES } from "../../scripts/audit/stages/lint";
import { REPO, tempDir } from "./helpers";

/** ruleId -> solhint's category (the folder its rule module lives in), read from the installed solhint. */
function solhintCategories(): Map<string, string> {
  const rulesDir = path.join(REPO, "node_modules", "solhint", "lib", "rules");
  const out = new Map<string, string>();
  for (const category of readdirSync(rulesDir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of readdirSync(path.join(rulesDir, category.name)).filter((f) => f.endsWith(".js") && f !== "index.js")) {
      const id = /ruleId\s*=\s*'([a-z0-9-]+)'/.exec(readFileSync(path.join(rulesDir, category.name, file), "utf8"))?.[1];
      if (id) out.set(id, category.name);
    }
  }
  return out;
}

describe("lint: the default rules for a project without a lint config", function () {
  this.timeout(60_000);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const recommended = Object.keys((require("solhint/conf/rulesets/solhint-recommended.js") as { rules: Record<string, unknown> }).rules);
  const categories = solhintCategories();

  it("turns off every recommended rule of solhint's naming, order, miscellaneous and gas categories, and nothing of its security category", function () {
    const style = recommended.filter((r) => ["naming", "order", "miscellaneous", "gas-consumption"].includes(categories.get(r) ?? ""));
    expect(style.filter((r) => !(STYLE_RULES as readonly string[]).includes(r)), "style rules left on").to.deep.equal([]);
    expect(STYLE_RULES.filter((r) => categories.get(r) === "security"), "security rules turned off").to.deep.equal([]);
    for (const r of STYLE_RULES) expect(recommended, `${r} is not in solhint:recommended (renamed?)`).to.include(r);
    expect(DEFAULT_SOLHINT_CONFIG.rules["compiler-version"]).to.equal("off");
  });

  it("on real code: single quotes, no NatSpec and i++ are quiet; tx.origin and an unused variable are reported", function () {
    const dir = tempDir("lint-default-");
    mkdirSync(path.join(dir, "contracts"));
    writeFileSync(path.join(dir, ".solhint.json"), JSON.stringify(DEFAULT_SOLHINT_CONFIG));
    writeFileSync(
      path.join(dir, "contracts", "Wallet.sol"),
      [
        "// SPDX-License-Identifier: MIT",
        "pragma solidity ^0.8.20;",
        "contract wallet {",
        "    address public owner;",
        "    constructor() { owner = msg.sender; }",
        "    function pay(address payable to, uint256 n) external {",
        "        require(tx.origin == owner, 'not owner');",
        "        uint256 unused;",
        "        for (uint256 i = 0; i < n; i++) { to.transfer(1); }",
        "    }",
        "}",
        "",
      ].join("\n"),
    );
    let out = "";
    try {
      out = execFileSync(process.execPath, [path.join(REPO, "node_modules", "solhint", "solhint.js"), "-f", "json", "contracts/Wallet.sol"], { cwd: dir, encoding: "utf8" });
    } catch (e) {
      out = (e as { stdout: string }).stdout; // solhint exits 1 when it reports errors
    }
    const rules = (JSON.parse(out) as { ruleId?: string }[]).map((m) => m.ruleId).filter(Boolean);
    expect(rules).to.include("avoid-tx-origin").and.include("no-unused-vars");
    expect(rules.filter((r) => (STYLE_RULES as readonly string[]).includes(r!) || r === "func-visibility")).to.deep.equal([]);
  });
});
