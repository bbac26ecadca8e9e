-- Audit log of flag actions (issue 6): every request to tune, switch off, switch on or revert, with who,
-- when, why (reason + analysis id) and the flag state before/after. Dry runs and refusals are recorded too,
-- so the log answers "what was proposed and why was it not applied".
CREATE TABLE flag_actions (
  id bigserial PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL CHECK (kind IN ('backoff_constants', 'kill_switch', 'enable', 'revert')),
  status text NOT NULL CHECK (status IN ('dry_run', 'noop', 'applied', 'failed', 'refused')),
  dry_run boolean NOT NULL,
  -- 'unleash' or 'unconfigured' (no Unleash: every action is a dry run)
  mode text NOT NULL,
  actor text NOT NULL,
  reason text NOT NULL,
  analysis_id text,
  project text NOT NULL,
  environment text NOT NULL,
  flag text NOT NULL,
  before_state jsonb,
  target_state jsonb,
  after_state jsonb,
  diff jsonb NOT NULL DEFAULT '[]',
  reverts_id bigint REFERENCES flag_actions (id),
  reverted_by_id bigint REFERENCES flag_actions (id),
  message text NOT NULL DEFAULT '',
  error text
);
CREATE INDEX flag_actions_created_idx ON flag_actions (id DESC);
CREATE INDEX flag_actions_guard_idx ON flag_actions (flag, created_at DESC) WHERE status = 'applied';

-- SLA guard decisions: one row per target per evaluation, including "did nothing because …".
CREATE TABLE guard_decisions (
  id bigserial PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  guard_id text NOT NULL,
  target text NOT NULL,
  -- failing / passing: the analysis result; error: the analysis or Unleash failed; standby: another replica leads
  evaluation text NOT NULL CHECK (evaluation IN ('failing', 'passing', 'error', 'standby')),
  decision text NOT NULL CHECK (decision IN ('acted', 'dry_run', 'nothing')),
  step text CHECK (step IN ('tune', 'kill_switch')),
  reason text NOT NULL,
  consecutive integer NOT NULL DEFAULT 0,
  action_id bigint REFERENCES flag_actions (id),
  analysis_id text,
  verdict text,
  details jsonb
);
CREATE INDEX guard_decisions_target_idx ON guard_decisions (target, id DESC);
