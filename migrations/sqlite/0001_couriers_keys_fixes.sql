-- Couriers, API keys and GPS fixes. Times are epoch milliseconds, coordinates WGS84 degrees.

CREATE TABLE couriers (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    profile          TEXT NOT NULL,
    box_capacity     INTEGER NOT NULL,
    skills           TEXT NOT NULL,          -- JSON array of strings
    shift_start_ms   INTEGER NOT NULL,
    shift_end_ms     INTEGER NOT NULL,
    device_id        TEXT NOT NULL UNIQUE,   -- what the tracking app sends as `id`
    secret_hash      TEXT NOT NULL UNIQUE,   -- SHA-256 of the secret in its OsmAnd URL
    created_ms       INTEGER NOT NULL
);

CREATE TABLE api_keys (
    key_hash    TEXT PRIMARY KEY,            -- SHA-256 of the key; the key itself is never stored
    role        TEXT NOT NULL CHECK (role IN ('admin', 'dispatcher', 'planner', 'courier')),
    courier_id  TEXT REFERENCES couriers (id),
    created_ms  INTEGER NOT NULL,
    CHECK ((role = 'courier') = (courier_id IS NOT NULL))
);

-- Every fix received, accepted or not; `reason` says why one was filtered out.
CREATE TABLE fixes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    courier_id    TEXT NOT NULL REFERENCES couriers (id),
    fix_ms        INTEGER NOT NULL,
    server_ms     INTEGER NOT NULL,
    lat           REAL NOT NULL,
    lon           REAL NOT NULL,
    speed_mps     REAL,
    bearing_deg   REAL,
    altitude_m    REAL,
    accuracy_m    REAL,
    battery_pct   REAL,
    source        TEXT NOT NULL,             -- batch | osmand
    reason        TEXT
);
CREATE UNIQUE INDEX fixes_accepted_once ON fixes (courier_id, fix_ms) WHERE reason IS NULL;
CREATE INDEX fixes_by_server_time ON fixes (server_ms);
