-- Notifications (issue 13): the last verdict seen per service (so a change can be told from a repeat), the
-- delivery queue (one row per event and notification target; a restart resumes the pending ones) and every
-- delivery attempt with its outcome.
CREATE TABLE service_verdicts (
  service text PRIMARY KEY,
  verdict text NOT NULL CHECK (verdict IN ('pass', 'warn', 'fail')),
  analysis_id text NOT NULL,
  -- the upgrade the verdict belongs to: an analysis of an older upgrade finishing later does not replace it
  upgrade_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notification_deliveries (
  id bigserial PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  event_id text NOT NULL,
  event_type text NOT NULL,
  target text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('webhook', 'slack')),
  -- the event as JSON text (the webhook body is rendered from it at each attempt, with its send time)
  payload text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- a lease: the process delivering it, until when (a crashed owner's lease runs out and another takes over)
  locked_by text,
  locked_until timestamptz,
  last_status_code integer,
  last_error text,
  finished_at timestamptz,
  UNIQUE (event_id, target)
);
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at, id) WHERE status = 'pending';

CREATE TABLE notification_attempts (
  id bigserial PRIMARY KEY,
  delivery_id bigint NOT NULL REFERENCES notification_deliveries (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  started_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  ok boolean NOT NULL,
  status_code integer,
  error text
);
CREATE INDEX notification_attempts_delivery_idx ON notification_attempts (delivery_id, attempt);
