/**
 * THE selector rule registry. Adding a rule = one module here exporting a `SelectorRule` + one line
 * below + a positive and a negative fixture test (docs/ANALYZERS.md, "Adding a rule").
 */
import type { SelectorRule } from "../context";
import { facetSelectorClash } from "./facet-selector-clash";
import { idRouteCapture } from "./id-route-capture";
import { idRouterProxySelectors } from "./id-router-proxy-selectors";
import { proxySelectorClash } from "./proxy-selector-clash";
import { siblingSelectorOverlap } from "./sibling-selector-overlap";
import { upgradeSelectorRemoved } from "./upgrade-selector-removed";

export const SELECTOR_RULES: readonly SelectorRule[] = [
  proxySelectorClash,
  facetSelectorClash,
  idRouteCapture,
  idRouterProxySelectors,
  siblingSelectorOverlap,
  upgradeSelectorRemoved,
];
