-- Browser sessions: a person signs in with their API key once and the browser then
-- carries a session cookie. Only the cookie's SHA-256 is stored; a session acts with
-- its key's role, ends at expires_ms or when signed out, and ends with its key.

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    key_hash    TEXT NOT NULL REFERENCES api_keys (key_hash),
    created_ms  INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL
);

CREATE INDEX sessions_by_expiry ON sessions (expires_ms);
