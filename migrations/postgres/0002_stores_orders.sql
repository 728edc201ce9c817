-- The chain's stores and customers' orders, with every change of an order's status.
-- Times are epoch milliseconds, coordinates WGS84 degrees, capacities litres.

CREATE TABLE shops (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    address         TEXT NOT NULL,
    lat             DOUBLE PRECISION NOT NULL,          -- as entered
    lon             DOUBLE PRECISION NOT NULL,
    snapped         TEXT NOT NULL,           -- JSON: the nearest road point per travel profile
    opening_hours   TEXT NOT NULL,           -- JSON: [{"days": [...], "opens": "HH:MM", "closes": "HH:MM"}]
    frozen_litres   BIGINT NOT NULL CHECK (frozen_litres >= 0),
    chilled_litres  BIGINT NOT NULL CHECK (chilled_litres >= 0),
    ambient_litres  BIGINT NOT NULL CHECK (ambient_litres >= 0),
    created_ms      BIGINT NOT NULL
);

CREATE TABLE orders (
    id                   TEXT PRIMARY KEY,
    shop_id              TEXT NOT NULL REFERENCES shops (id),
    customer_name        TEXT NOT NULL,
    customer_address     TEXT NOT NULL,
    lat                  DOUBLE PRECISION NOT NULL,     -- delivery position, as entered
    lon                  DOUBLE PRECISION NOT NULL,
    snapped              TEXT NOT NULL,      -- JSON, as for shops
    items                TEXT NOT NULL,      -- JSON array of items with quantity and cold-chain class
    box_units            BIGINT NOT NULL CHECK (box_units > 0),
    ready_ms             BIGINT NOT NULL,
    promised_ms          BIGINT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('placed', 'assigned', 'picked_up', 'delivered', 'failed', 'cancelled')),
    courier_id           TEXT REFERENCES couriers (id),
    tracking_hash        TEXT NOT NULL UNIQUE, -- SHA-256 of the customer's tracking token
    tracking_expires_ms  BIGINT NOT NULL,
    created_ms           BIGINT NOT NULL,
    updated_ms           BIGINT NOT NULL
);
CREATE INDEX orders_by_status ON orders (status, shop_id);

-- Every status an order took, who set it and why.
CREATE TABLE order_events (
    id          BIGSERIAL PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES orders (id),
    status      TEXT NOT NULL,
    courier_id  TEXT,
    reason      TEXT,
    actor       TEXT NOT NULL,               -- the role of the key, or courier:ID
    at_ms       BIGINT NOT NULL
);
CREATE INDEX order_events_by_order ON order_events (order_id, id);

-- A revoked key is kept (for the record) but refused.
ALTER TABLE api_keys ADD COLUMN revoked_ms BIGINT;
