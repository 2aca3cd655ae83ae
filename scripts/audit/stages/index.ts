/**
 * THE stage registry: the pipeline runs exactly these stages, in this order
 * unless dependencies say otherwise. Adding a stage = one module under
 * scripts/audit/stages/ exporting a `Stage` + one line here.
 */
import type { Stage } from "../types";
import { compileStage } from "./compile";
import { coverageStage } from "./coverage";
import { gasStage } from "./gas";
import { lintStage } from "./lint";
import { testStage } from "./test";

export const STAGES: readonly Stage[] = [
  compileStage,
  lintStage,
  testStage,
  gasStage,
  coverageStage,
];
