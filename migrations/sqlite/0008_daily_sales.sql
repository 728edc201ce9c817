-- Till sales posted by the stores, one row per store, article and day (a later post of
-- the same day replaces it). Planning rounds read them over the chain's sales history,
-- so that a round for today has yesterday's sales. Dates are local YYYY-MM-DD.

CREATE TABLE daily_sales (
    shop_id           TEXT NOT NULL,
    sku               TEXT NOT NULL,
    sale_date         TEXT NOT NULL,
    units             REAL NOT NULL CHECK (units >= 0),
    unit_value_cents  INTEGER NOT NULL CHECK (unit_value_cents >= 0),
    promo             INTEGER NOT NULL,
    holiday           INTEGER NOT NULL,
    temp_c            REAL NOT NULL,
    recorded_ms       INTEGER NOT NULL,
    actor             TEXT NOT NULL,
    PRIMARY KEY (shop_id, sku, sale_date)
);
CREATE INDEX daily_sales_by_date ON daily_sales (sale_date);
