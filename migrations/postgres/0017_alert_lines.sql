-- Alert lines: the stock of an article below which a store wants to hear of it. Derived
-- from the latest round's forecast unless a planner set one by hand (kept here); each
-- crossing, from at or above the line to below it, is recorded as an event.

CREATE TABLE alert_lines (
    shop_id  TEXT NOT NULL REFERENCES shops (id),
    sku      TEXT NOT NULL,
    units    BIGINT NOT NULL CHECK (units >= 0),
    actor    TEXT NOT NULL,
    set_ms   BIGINT NOT NULL,
    PRIMARY KEY (shop_id, sku)
);

CREATE TABLE stock_alerts (
    id        BIGSERIAL PRIMARY KEY,
    shop_id   TEXT NOT NULL REFERENCES shops (id),
    sku       TEXT NOT NULL,
    line      BIGINT NOT NULL,               -- the alert line crossed
    on_hand   BIGINT NOT NULL,               -- units left after the crossing
    at_ms     BIGINT NOT NULL
);
CREATE INDEX stock_alerts_by_time ON stock_alerts (at_ms);
