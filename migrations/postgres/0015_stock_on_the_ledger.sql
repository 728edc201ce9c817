-- Stock lives in the ledger alone. The lots of the earlier stock table move into it: one
-- lot per article and lot number (the earliest expiry where stores disagreed), and a
-- `counted` movement per store that held units of it, rounded to whole units. The old
-- table knew no temperature zone: its units are put in the chilled zone, and the
-- store's next count moves them where they stand. The old table is then dropped.

INSERT INTO lots (id, sku, lot_number, expiry_date, po_id, made_by, recalled_ms, created_ms)
SELECT sku || ':' || lot_number, sku, lot_number, MIN(expiry_date), MIN(po_id), NULL, NULL,
       MIN(at_ms)
FROM stock_lots
WHERE true
GROUP BY sku, lot_number
ON CONFLICT DO NOTHING;

INSERT INTO stock_movements (lot_id, shop_id, zone, kind, units, reference, actor, at_ms)
SELECT sku || ':' || lot_number, shop_id, 'chilled', 'counted', CAST(ROUND(units) AS BIGINT),
       'migration 0015', 'migration', at_ms
FROM stock_lots
WHERE ROUND(units) > 0 AND shop_id IN (SELECT id FROM shops)
  AND sku || ':' || lot_number IN (SELECT id FROM lots);

INSERT INTO stock_balances (lot_id, shop_id, zone, units)
SELECT lot_id, shop_id, zone, SUM(units)
FROM stock_movements
WHERE reference = 'migration 0015'
GROUP BY lot_id, shop_id, zone;

DROP TABLE stock_lots;

-- What a sale wanted that no sellable lot held: recorded, never negative stock. A
-- reference's takes (its movements and its shortfalls) say how much of it was served,
-- so a till's day posted again takes only what it adds.
CREATE TABLE stock_shortfalls (
    id         BIGSERIAL PRIMARY KEY,
    shop_id    TEXT NOT NULL REFERENCES shops (id),
    zone       TEXT NOT NULL,
    sku        TEXT NOT NULL,
    kind       TEXT NOT NULL,
    units      BIGINT NOT NULL CHECK (units > 0),
    reference  TEXT,
    actor      TEXT NOT NULL,
    at_ms      BIGINT NOT NULL
);
CREATE INDEX stock_shortfalls_by_reference ON stock_shortfalls (reference);

-- Goods that keep hours rather than days (a strawberry cake made in the store) carry the
-- instant they may no longer be sold; their last day still bounds them.
ALTER TABLE lots ADD COLUMN expires_ms BIGINT;

-- A trace follows production batches: from a lot to the batches that used it
-- (downstream), from a batch to the lots it used (upstream); each step one index probe.
CREATE INDEX stock_movements_used_by_lot ON stock_movements (lot_id, reference) WHERE kind = 'used';
CREATE INDEX stock_movements_used_by_batch ON stock_movements (reference, lot_id) WHERE kind = 'used';
