-- A store the chain closed: kept for history and audit, taking no new orders.

ALTER TABLE shops ADD COLUMN retired_ms INTEGER;
