-- A recall tells every customer's order it reached: notices gain the kind `recalled`.
-- SQLite cannot change a CHECK in place, so the table is rebuilt with its rows and
-- indexes. Its deliveries are set aside meanwhile and put back, keeping their notice ids,
-- so no foreign key is ever broken.

CREATE TEMP TABLE deliveries_kept AS SELECT * FROM webhook_deliveries;
DELETE FROM webhook_deliveries;

CREATE TABLE notices_new (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id  TEXT NOT NULL REFERENCES orders (id),
    kind      TEXT NOT NULL CHECK (kind IN ('assigned', 'unassigned', 'picked_up', 'delivered', 'failed', 'cancelled', 'delayed', 'eta_changed', 'recalled')),
    eta_ms    INTEGER,                       -- the ETA the notice told, if it told one
    payload   TEXT NOT NULL,                 -- JSON
    at_ms     INTEGER NOT NULL
);
INSERT INTO notices_new (id, order_id, kind, eta_ms, payload, at_ms)
SELECT id, order_id, kind, eta_ms, payload, at_ms FROM notices;
DROP TABLE notices;
ALTER TABLE notices_new RENAME TO notices;
CREATE INDEX notices_by_order ON notices (order_id, id);
-- A customer is told of a delay once per order.
CREATE UNIQUE INDEX notices_one_delay ON notices (order_id) WHERE kind = 'delayed';

INSERT INTO webhook_deliveries SELECT * FROM deliveries_kept;
DROP TABLE deliveries_kept;
