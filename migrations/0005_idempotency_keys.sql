-- Answers to writes sent with an `Idempotency-Key` header, so a client that retries (after a 503 or
-- a timeout) gets the first answer instead of writing twice. Keys belong to the API token that
-- sent them (owner: the SHA-256 of its key, as in api_tokens.key_hash): two clients never share
-- one. The answer to a write is saved in the write's own transaction; expired rows are pruned in
-- batches by any replica.
CREATE TABLE idempotency_keys (
    owner bytea NOT NULL,
    key text NOT NULL,
    -- SHA-256 of the request's method, target and body: the same key with another request is a 422.
    fingerprint bytea NOT NULL,
    status integer NOT NULL,
    location text,
    content_type text,
    body bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (owner, key),
    CONSTRAINT idempotency_keys_owner_length CHECK (octet_length(owner) = 32),
    CONSTRAINT idempotency_keys_key_length CHECK (char_length(key) BETWEEN 1 AND 255),
    CONSTRAINT idempotency_keys_fingerprint_length CHECK (octet_length(fingerprint) = 32),
    CONSTRAINT idempotency_keys_status_kept CHECK (status BETWEEN 200 AND 499)
);

CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);
