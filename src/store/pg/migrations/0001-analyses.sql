-- Analyses: request, lifecycle, and (when done) the report and chart series as JSON.
-- `services` and `verdict` are copied out of the report so listing and /v1/verdict need no JSON scans.
-- `owner` + `heartbeat_at` let a restarted or surviving replica tell an interrupted analysis from a live one.
CREATE TABLE analyses (
  id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  progress double precision NOT NULL DEFAULT 0,
  request jsonb NOT NULL,
  upgrade_at timestamptz NOT NULL,
  services text[] NOT NULL DEFAULT '{}',
  verdict text CHECK (verdict IN ('pass', 'warn', 'fail')),
  report jsonb,
  series jsonb,
  error text,
  owner text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL
);
CREATE INDEX analyses_created_idx ON analyses (created_at DESC, id DESC);
CREATE INDEX analyses_services_idx ON analyses USING gin (services);
CREATE INDEX analyses_verdict_lookup_idx ON analyses (status, upgrade_at DESC, created_at DESC);
CREATE INDEX analyses_unfinished_idx ON analyses (heartbeat_at) WHERE status IN ('queued', 'running');
