-- What goes out to the chain's systems: notices about orders (assigned, picked up,
-- delivered, delayed, ETA changed…), the webhooks that receive them, the state of each
-- notice's delivery to each webhook and every attempt made; compensation coupons.
-- Times are epoch milliseconds, money integer cents.

CREATE TABLE webhooks (
    id           TEXT PRIMARY KEY,
    url          TEXT NOT NULL,
    secret       TEXT NOT NULL,              -- HMAC-SHA256 key the bodies are signed with
    events       TEXT NOT NULL,              -- JSON array of notice kinds; empty: every kind
    created_ms   BIGINT NOT NULL,
    disabled_ms  BIGINT                     -- set: receives nothing new
);

CREATE TABLE notices (
    id        BIGSERIAL PRIMARY KEY,
    order_id  TEXT NOT NULL REFERENCES orders (id),
    kind      TEXT NOT NULL CHECK (kind IN ('assigned', 'unassigned', 'picked_up', 'delivered', 'failed', 'cancelled', 'delayed', 'eta_changed')),
    eta_ms    BIGINT,                       -- the ETA the notice told, if it told one
    payload   TEXT NOT NULL,                 -- JSON
    at_ms     BIGINT NOT NULL
);
CREATE INDEX notices_by_order ON notices (order_id, id);
-- A customer is told of a delay once per order.
CREATE UNIQUE INDEX notices_one_delay ON notices (order_id) WHERE kind = 'delayed';

-- One row per notice and webhook: due until delivered or given up.
CREATE TABLE webhook_deliveries (
    notice_id        BIGINT NOT NULL REFERENCES notices (id),
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms  BIGINT,                -- NULL once delivered or given up
    delivered_ms     BIGINT,
    gave_up_ms       BIGINT,
    PRIMARY KEY (notice_id, webhook_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_ms) WHERE next_attempt_ms IS NOT NULL;

-- Every attempt, answered or not.
CREATE TABLE webhook_attempts (
    id           BIGSERIAL PRIMARY KEY,
    notice_id    BIGINT NOT NULL,
    webhook_id   TEXT NOT NULL,
    at_ms        BIGINT NOT NULL,
    http_status  BIGINT,                    -- NULL when no answer came
    error        TEXT,                       -- why it failed, if it did
    duration_ms  BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (webhook_id, id);

-- A compensation for an order that broke its promise: one per order.
CREATE TABLE coupons (
    code         TEXT PRIMARY KEY,
    order_id     TEXT NOT NULL UNIQUE REFERENCES orders (id),
    value_cents  BIGINT NOT NULL CHECK (value_cents > 0),
    reason       TEXT NOT NULL,
    created_ms   BIGINT NOT NULL
);
