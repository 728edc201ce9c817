-- Procurement: planning rounds with the store models they solved, purchase orders with
-- their audit trail, and stock lots (from receiving, or from a stock count). Times are
-- epoch milliseconds; dates are YYYY-MM-DD; money in cents; stock in the article's units
-- (fractions allowed: a till sells servings of some articles).

CREATE TABLE procurement_rounds (
    id           TEXT PRIMARY KEY,
    plan_date    TEXT NOT NULL,              -- the day its orders are placed
    actor        TEXT NOT NULL,
    started_ms   BIGINT NOT NULL,
    finished_ms  BIGINT NOT NULL,
    report       TEXT NOT NULL               -- JSON: per store, how its model ended
);

-- Each store's model as solved, so that an edit can be priced against it.
CREATE TABLE store_models (
    round_id         TEXT NOT NULL REFERENCES procurement_rounds (id),
    shop_id          TEXT NOT NULL,
    model            TEXT NOT NULL,          -- JSON
    objective_cents  BIGINT NOT NULL,
    PRIMARY KEY (round_id, shop_id)
);

CREATE TABLE purchase_orders (
    id             TEXT PRIMARY KEY,
    round_id       TEXT NOT NULL REFERENCES procurement_rounds (id),
    shop_id        TEXT NOT NULL,
    supplier_id    TEXT NOT NULL,
    order_date     TEXT NOT NULL,
    delivery_date  TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN
                     ('proposed', 'approved', 'sent', 'confirmed', 'received', 'rejected', 'superseded')),
    value_cents    BIGINT NOT NULL CHECK (value_cents >= 0),
    lines          TEXT NOT NULL,            -- JSON array
    explanation    TEXT NOT NULL,            -- JSON
    approvals      TEXT NOT NULL,            -- JSON array of who approved
    reason         TEXT,                     -- why it was rejected
    version        BIGINT NOT NULL,         -- raised by every change (compare-and-set)
    created_ms     BIGINT NOT NULL,
    updated_ms     BIGINT NOT NULL
);
CREATE INDEX purchase_orders_by_shop ON purchase_orders (shop_id, status);

CREATE TABLE purchase_order_events (
    id        BIGSERIAL PRIMARY KEY,
    po_id     TEXT NOT NULL REFERENCES purchase_orders (id),
    at_ms     BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL                  -- JSON: what changed
);
CREATE INDEX purchase_order_events_by_order ON purchase_order_events (po_id, id);

CREATE TABLE stock_lots (
    id           BIGSERIAL PRIMARY KEY,
    shop_id      TEXT NOT NULL,
    sku          TEXT NOT NULL,
    lot_number   TEXT NOT NULL,
    expiry_date  TEXT NOT NULL,              -- the last day it may be sold
    units        DOUBLE PRECISION NOT NULL CHECK (units >= 0),
    po_id        TEXT REFERENCES purchase_orders (id),
    at_ms        BIGINT NOT NULL,           -- received or counted
    UNIQUE (shop_id, sku, lot_number)
);
