import { analysisSettings, loadConfig } from '../../src/config.ts';
import type { AnalysisSettings } from '../../src/analysis/types.ts';

/** The shipped defaults (config/default.yaml), so tests exercise what users get. */
export function defaultSettings(overrides: Partial<AnalysisSettings> = {}): AnalysisSettings {
  return { ...analysisSettings(loadConfig()), ...overrides };
}
