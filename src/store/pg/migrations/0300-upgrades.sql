-- Upgrades as entities (issue 15): what went in, when, for which services, behind which flags and with which
-- expectations. Analyses belong to an upgrade through `request->>'upgradeId'`; flag actions and guard decisions
-- made for it are linked (upgrade_links); changes aftershock cannot undo itself (webhooks it registered, tokens it
-- created, config a person changed) are the rollback checklist (upgrade_changes).
CREATE TABLE upgrades (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  upgrade_at timestamptz NOT NULL,
  services text[] NOT NULL DEFAULT '{}',
  source text NOT NULL,
  before_window text,
  flags text[] NOT NULL DEFAULT '{}',
  expectations jsonb NOT NULL DEFAULT '[]',
  notes text NOT NULL DEFAULT '',
  status text NOT NULL CHECK (status IN ('active', 'rolled_back', 'retired')),
  origin text NOT NULL CHECK (origin IN ('manual', 'marker')),
  version text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX upgrades_newest_idx ON upgrades (upgrade_at DESC, id DESC);

CREATE TABLE upgrade_links (
  upgrade_id text NOT NULL REFERENCES upgrades (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('action', 'guard_decision')),
  ref bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (upgrade_id, kind, ref)
);

CREATE TABLE upgrade_changes (
  id bigserial PRIMARY KEY,
  upgrade_id text NOT NULL REFERENCES upgrades (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('flag', 'webhook', 'token', 'config', 'other')),
  description text NOT NULL,
  undo text NOT NULL DEFAULT '',
  ref text,
  recorded_by text NOT NULL,
  created_at timestamptz NOT NULL,
  done_at timestamptz,
  done_by text
);
CREATE INDEX upgrade_changes_upgrade_idx ON upgrade_changes (upgrade_id, id);

CREATE INDEX analyses_upgrade_idx ON analyses ((request->>'upgradeId'), created_at);
