-- The first answer to a request sent with an `Idempotency-Key`, replayed to its retries
-- (a client whose answer was lost retries safely and gets the same order and tracking
-- token). Stored in the transaction that takes the order; kept a day. Times are epoch
-- milliseconds.

CREATE TABLE idempotent_replies (
    scope         TEXT NOT NULL,              -- who sent it: the API key's id
    idem_key      TEXT NOT NULL,              -- the Idempotency-Key header
    request_hash  TEXT NOT NULL,              -- SHA-256 of the request: another request under the same key is refused
    status        BIGINT NOT NULL,
    body          TEXT NOT NULL,              -- JSON
    created_ms    BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotent_replies_by_age ON idempotent_replies (created_ms);
