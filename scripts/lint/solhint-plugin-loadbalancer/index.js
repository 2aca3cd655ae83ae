// @ts-check
/**
 * solhint plugin of this repository (loaded as `"plugins": ["loadbalancer"]` in .solhint.json; installed
 * as a `file:` devDependency, so `npm ci` links it into node_modules where solhint looks for plugins).
 *
 * Rule `loadbalancer/natspec-complete`: the NatSpec that solhint 6.2.4's `use-natspec` does not check.
 * `use-natspec` has no visitor for custom errors, and it skips the @return (and @param) check of any
 * function with an unnamed return value (or parameter) - e.g. `function owner() external view returns
 * (address)`. This rule requires:
 *   - every custom error: an explicit @notice, and one @param per parameter, by name, in order (all
 *     parameters must be named to be documented);
 *   - every external or public function that returns values without naming all of them: one @return
 *     per return value (named ones must start with their name), unless it has @inheritdoc.
 * Errors and functions it reports keep solhint's disable comments and severity from the config.
 */

/** The NatSpec comment right above `start` (`///` lines or one `/** ... *\/` block), or "" if none. */
function leadingNatSpec(source, start) {
  const lines = source.slice(0, start).split("\n");
  // The declaration's own line, up to the declaration, must hold nothing but indentation.
  if (lines.pop().trim() !== "") return "";
  const doc = [];
  while (lines.length > 0) {
    const line = lines[lines.length - 1].trim();
    if (line.startsWith("///")) {
      doc.unshift(line.slice(3));
      lines.pop();
    } else if (line.endsWith("*/") && doc.length === 0) {
      // One block comment: collect up to the line that opens it; only `/**` makes it NatSpec.
      const block = [];
      while (lines.length > 0) {
        const l = lines.pop().trim();
        block.unshift(l);
        if (l.includes("/*")) break;
      }
      if (!block[0].startsWith("/**")) return "";
      return block
        .join("\n")
        .replace(/^\/\*\*/, "")
        .replace(/\*\/$/, "")
        .split("\n")
        .map((l) => l.replace(/^\s*\*(?!\/)/, ""))
        .join("\n");
    } else {
      break;
    }
  }
  return doc.join("\n");
}

/** The first word after each occurrence of `@tag` ("" when the tag is followed by no word). */
function tagWords(doc, tag) {
  const words = [];
  const re = new RegExp(`@${tag}\\b[ \\t]*(\\w*)`, "g");
  for (let m = re.exec(doc); m !== null; m = re.exec(doc)) words.push(m[1]);
  return words;
}

class NatspecComplete {
  /**
   * @param {{ error: Function, warn: Function }} reporter
   * @param {unknown} _config
   * @param {string} inputSrc
   */
  constructor(reporter, _config, inputSrc) {
    this.ruleId = "natspec-complete"; // solhint prefixes the plugin name: loadbalancer/natspec-complete
    this.reporter = reporter;
    this.source = inputSrc;
    this.meta = {
      type: "best-practices",
      docs: {
        description:
          "NatSpec that use-natspec does not check: @notice and every @param of custom errors; one @return per return value of external and public functions.",
        category: "Best Practices Rules",
      },
      recommended: false,
      defaultSetup: "warn",
      schema: null,
    };
  }

  report(node, message) {
    this.reporter.warn(node, this.ruleId, message);
  }

  CustomErrorDefinition(node) {
    const doc = leadingNatSpec(this.source, node.range[0]);
    if (!/@notice\b/.test(doc)) this.report(node, `Missing @notice tag in error '${node.name}'`);
    const names = node.parameters.map((p) => p.name);
    if (names.some((n) => !n)) {
      this.report(node, `Unnamed parameter in error '${node.name}': name every parameter so @param can document it`);
      return;
    }
    const documented = tagWords(doc, "param");
    if (documented.join(",") !== names.join(",")) {
      this.report(node, `@param of error '${node.name}' must be [${names.join(", ")}] in order, found [${documented.join(", ")}]`);
    }
  }

  FunctionDefinition(node) {
    if (node.visibility !== "external" && node.visibility !== "public") return;
    const returns = node.returnParameters || [];
    // All named: use-natspec checks them (count and names).
    if (returns.length === 0 || returns.every((r) => r.name)) return;
    const doc = leadingNatSpec(this.source, node.range[0]);
    if (/@inheritdoc\b/.test(doc)) return;
    const documented = tagWords(doc, "return");
    const name = node.name || (node.isFallback ? "fallback" : node.isReceiveEther ? "receive" : "<constructor>");
    if (documented.length !== returns.length) {
      this.report(node, `Function '${name}' returns ${returns.length} value(s) but has ${documented.length} @return tag(s)`);
      return;
    }
    returns.forEach((r, i) => {
      if (r.name && documented[i] !== r.name) {
        this.report(node, `@return ${i + 1} of function '${name}' must start with its name '${r.name}'`);
      }
    });
  }
}

module.exports = [NatspecComplete];
module.exports.leadingNatSpec = leadingNatSpec;
