-- The stock ledger. A lot (an article's batch from a supplier, or made in a store) keeps
-- its identity wherever it goes; every movement of it at a place (a store's temperature
-- zone) is appended to stock_movements, never changed; stock_balances holds each lot's
-- units per place, changed in the same transaction as the movement, never below zero.
-- Units are whole.

CREATE TABLE lots (
    id           TEXT PRIMARY KEY,
    sku          TEXT NOT NULL,
    lot_number   TEXT NOT NULL,
    expiry_date  TEXT NOT NULL,              -- the last day it may be sold
    po_id        TEXT,                       -- the purchase order it came with
    made_by      TEXT,                       -- the production batch that made it
    recalled_ms  BIGINT,                     -- when it was recalled
    created_ms   BIGINT NOT NULL,
    UNIQUE (sku, lot_number)
);
CREATE INDEX lots_by_batch ON lots (made_by);

CREATE TABLE stock_movements (
    id         BIGSERIAL PRIMARY KEY,
    lot_id     TEXT NOT NULL REFERENCES lots (id),
    shop_id    TEXT NOT NULL REFERENCES shops (id),
    zone       TEXT NOT NULL CHECK (zone IN ('frozen', 'chilled', 'ambient')),
    kind       TEXT NOT NULL,
    units      BIGINT NOT NULL CHECK (units <> 0),   -- in (+) or out (-) of the place
    reference  TEXT,                       -- the order, transfer, batch or count it belongs to
    actor      TEXT NOT NULL,
    at_ms      BIGINT NOT NULL
);
CREATE INDEX stock_movements_by_lot ON stock_movements (lot_id, id);
CREATE INDEX stock_movements_by_reference ON stock_movements (reference);

CREATE TABLE stock_balances (
    lot_id   TEXT NOT NULL REFERENCES lots (id),
    shop_id  TEXT NOT NULL REFERENCES shops (id),
    zone     TEXT NOT NULL,
    units    BIGINT NOT NULL CHECK (units >= 0),
    PRIMARY KEY (lot_id, shop_id, zone)
);
CREATE INDEX stock_balances_by_shop ON stock_balances (shop_id);
