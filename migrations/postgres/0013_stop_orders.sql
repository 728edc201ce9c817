-- The order a dispatcher set for a courier's stops (the console's "earlier" and
-- "later"): the plan serves those stops in that order and fits others between them.
-- One row per courier, replaced whole; stops is a JSON array of [order_id, side],
-- side "pickup" or "delivery".

CREATE TABLE stop_orders (
    courier_id  TEXT PRIMARY KEY REFERENCES couriers (id),
    stops       TEXT NOT NULL,
    set_ms      BIGINT NOT NULL
);
