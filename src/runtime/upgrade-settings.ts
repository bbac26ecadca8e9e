/**
 * The `upgrades:` config section (config/default.yaml): the source and before window of an upgrade's analyses,
 * how long an upgrade must be healthy before its flags may go, and how close deployment markers of one version
 * must be to count as one upgrade. Validated here, like every section config.ts does not own.
 */
import { Type } from '../vendor/typebox.ts';
import { validateOrThrow, type Config } from '../config.ts';
import { parseDuration } from '../duration.ts';

const Schema = Type.Object(
  {
    source: Type.String({ minLength: 1 }),
    before: Type.String({ minLength: 1 }),
    flagRemovalAfter: Type.String({ minLength: 1 }),
    markerGroupWindow: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export interface UpgradeSettings {
  source: string;
  before: string;
  flagRemovalAfterMs: number;
  markerGroupWindowMs: number;
}

export const DEFAULT_UPGRADE_SETTINGS = { source: 'demo', before: '2h', flagRemovalAfter: '7d', markerGroupWindow: '15m' };

export function upgradeSettings(config: Config): UpgradeSettings {
  const where = 'config section "upgrades"';
  const s = validateOrThrow(Schema, { ...DEFAULT_UPGRADE_SETTINGS, ...((config.upgrades as Record<string, unknown> | undefined) ?? {}) }, where);
  parseDuration(s.before, `${where}: before`);
  return {
    source: s.source,
    before: s.before,
    flagRemovalAfterMs: parseDuration(s.flagRemovalAfter, `${where}: flagRemovalAfter`),
    markerGroupWindowMs: parseDuration(s.markerGroupWindow, `${where}: markerGroupWindow`),
  };
}
