/**
 * THE stage registry: the pipeline runs exactly these stages, in this order
 * unless dependencies say otherwise. Adding a stage = one module under
 * scripts/audit/stages/ exporting a `Stage` + one line here.
 */
import type { Stage } from "../types";
import { benchStage } from "./bench";
import { compileStage } from "./compile";
import { coverageStage } from "./coverage";
import { gasStage } from "./gas";
import { invariantsStage } from "./invariants";
import { lintStage } from "./lint";
import { selectorsStage } from "./selectors";
import { slitherStage } from "./slither";
import { slitherUpgradeabilityStage } from "./slither-upgradeability";
import { storageStage } from "./storage";
import { testStage } from "./test";

export const STAGES: readonly Stage[] = [
  compileStage,
  storageStage,
  selectorsStage,
  lintStage,
  slitherStage,
  slitherUpgradeabilityStage,
  testStage,
  gasStage,
  benchStage,
  coverageStage,
  invariantsStage,
];
