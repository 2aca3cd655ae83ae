/** The live mode's rule (analyzers/live.ts), declared apart so the rule catalog can read it without loading ethers. */
import type { RuleInfo } from "./findings";

export const LIVE_UNKNOWN_BYTECODE: RuleInfo = {
  id: "live-unknown-bytecode",
  title: "Registered code matches no contract of the build",
  severity: "high",
  recommendation: "Find out what the deployed code is (verify it against its source) before trusting any result of this audit for that address.",
  summary:
    "Live mode: the proxy (or an implementation it routes to) runs bytecode that matches no artifact of this build, so nothing verified here describes what actually runs.",
};
