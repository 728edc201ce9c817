-- Transfers between stores: proposed by the region's transfer model, approved, edited
-- or rejected by a planner (or approved on their own below a configured value), driven
-- and delivered. Approving takes the units from the donor's lots (transferred_out,
-- reference transfer:ID) in the same transaction; delivering brings the same lots into
-- the receiver (transferred_in). A recall flags the transfers on the way that carry a
-- recalled lot.

CREATE TABLE transfers (
    id            TEXT PRIMARY KEY,
    from_shop     TEXT NOT NULL REFERENCES shops (id),
    to_shop       TEXT NOT NULL REFERENCES shops (id),
    sku           TEXT NOT NULL,
    zone          TEXT NOT NULL CHECK (zone IN ('frozen', 'chilled', 'ambient')),
    units         INTEGER NOT NULL CHECK (units > 0),
    status        TEXT NOT NULL CHECK (status IN
                    ('proposed', 'approved', 'rejected', 'delivered', 'superseded', 'stale')),
    why           TEXT NOT NULL,                 -- JSON: what the transfer does
    value_cents   INTEGER NOT NULL,
    proposed_ms   INTEGER NOT NULL,
    decided_by    TEXT,
    decided_ms    INTEGER,
    delivered_ms  INTEGER,
    recalled_lot  TEXT,                          -- a recalled lot it carries, when on the way
    version       INTEGER NOT NULL DEFAULT 1,
    CHECK (from_shop <> to_shop)
);
CREATE INDEX transfers_by_status ON transfers (status, proposed_ms);
