-- What the customer tells the courier ("ring twice, 3rd floor"), shown with the stop.

ALTER TABLE orders ADD COLUMN notes TEXT NOT NULL DEFAULT '';
