-- The dispatch plan as last made, order by order: the courier each open order is planned
-- for, the delivery's place among that courier's stops, and its planned start. Replaced
-- whole with every plan; read back at start, so that the first plan after a restart
-- keeps orders with the couriers they had (the switching cost) instead of starting over.
-- Times are epoch milliseconds.

CREATE TABLE planned_orders (
    order_id    TEXT PRIMARY KEY REFERENCES orders (id),
    courier_id  TEXT NOT NULL REFERENCES couriers (id),
    position    BIGINT NOT NULL CHECK (position >= 0),
    eta_ms      BIGINT,
    planned_ms  BIGINT NOT NULL
);
