-- A recall tells every customer's order it reached: notices gain the kind `recalled`.

ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
ALTER TABLE notices ADD CONSTRAINT notices_kind_check CHECK (kind IN ('assigned', 'unassigned', 'picked_up', 'delivered', 'failed', 'cancelled', 'delayed', 'eta_changed', 'recalled'));
