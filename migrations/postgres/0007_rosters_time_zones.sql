-- Local time and rosters. A courier works by a weekly roster in local time with dated
-- exceptions (JSON, see crates/calendar), and a dispatcher may put it on or off duty over
-- that roster for a while: `duty` is 'on', 'off' or 'none', from `duty_from_ms` to
-- `duty_until_ms`. The absolute shift of earlier versions becomes such an on-duty window.
-- Stores and couriers have an IANA time zone; retired records stay for history and audit.

ALTER TABLE couriers RENAME COLUMN shift_start_ms TO duty_from_ms;
ALTER TABLE couriers RENAME COLUMN shift_end_ms TO duty_until_ms;
ALTER TABLE couriers ADD COLUMN duty TEXT NOT NULL DEFAULT 'on' CHECK (duty IN ('on', 'off', 'none'));
ALTER TABLE couriers ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE couriers ADD COLUMN roster TEXT NOT NULL DEFAULT '{}';
ALTER TABLE couriers ADD COLUMN retired_ms BIGINT;

ALTER TABLE shops ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
