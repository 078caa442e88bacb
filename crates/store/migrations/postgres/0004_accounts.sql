-- People who administer Cordon: roles, accounts, their sessions and second
-- factors, settings, and the audit log of what they did. PostgreSQL
-- flavour; keep in step with ../sqlite/0004_accounts.sql: same tables,
-- columns and meaning. Times are Unix milliseconds; JSON is TEXT; flags
-- are 0/1.
--
-- No secret is stored in clear: passwords are argon2 PHC strings, session,
-- CSRF, login-challenge and remember-browser tokens are hex SHA-256, and
-- TOTP secrets are sealed by the server (opaque text here).
--
-- Names are unique ignoring case through `*_key` columns that the store
-- fills with the Rust lower-cased name: SQLite's `lower()` folds only
-- ASCII, PostgreSQL's follows the locale, and both backends must agree.

-- Roles: a level per module (src/roles.rs, cordon_access::Role). The four
-- predefined ones are written by the store each time it opens, from
-- `cordon_access::Role::predefined()`: the code is their one source.
CREATE TABLE roles (
    id          TEXT PRIMARY KEY,          -- `administrator`, …, or a custom id
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,      -- name lower-cased
    description TEXT NOT NULL DEFAULT '',
    predefined  BIGINT NOT NULL DEFAULT 0 CHECK (predefined IN (0, 1)),
    admin       BIGINT NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)), -- the Admin tab
    levels      TEXT NOT NULL,             -- JSON {module: level}
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL              -- actor
);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY, -- 16 random hex digits
    username             TEXT NOT NULL,
    username_key         TEXT NOT NULL UNIQUE, -- username lower-cased
    auth                 TEXT NOT NULL CHECK (auth IN ('local', 'directory')),
    password_hash        TEXT,             -- argon2 PHC string; NULL for directory accounts
    email                TEXT,
    phone                TEXT,
    role_id              TEXT NOT NULL REFERENCES roles(id), -- no cascade: a held role stays
    scope                TEXT NOT NULL,    -- JSON cordon_access::Scope
    super_admin          BIGINT NOT NULL DEFAULT 0 CHECK (super_admin IN (0, 1)),
    disabled             BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    must_change_password BIGINT NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    created_by           TEXT NOT NULL,   -- actor
    updated_by           TEXT NOT NULL,   -- actor
    password_changed_at  BIGINT,
    last_login_at        BIGINT,
    totp_secret          TEXT,             -- sealed by the server; NULL = not enrolled
    totp_last_step       BIGINT NOT NULL DEFAULT 0, -- last accepted TOTP step: no replay
    failed_logins        BIGINT NOT NULL DEFAULT 0, -- consecutive
    locked_until         BIGINT,
    credential_epoch     BIGINT NOT NULL DEFAULT 0, -- bumped by a password or 2FA change
    CHECK ((auth = 'local') = (password_hash IS NOT NULL)),
    -- The super admin is an enabled administrator.
    CHECK (super_admin = 0 OR (role_id = 'administrator' AND disabled = 0))
);
-- Exactly one super admin: a second row with super_admin = 1 is refused.
CREATE UNIQUE INDEX one_super_admin ON users (super_admin) WHERE super_admin = 1;
CREATE INDEX users_role ON users (role_id);

-- Console sessions. The token lives only in the browser's cookie.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,      -- hex SHA-256 of the session token
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_hash       TEXT NOT NULL,         -- hex SHA-256 of the session's CSRF token
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,       -- absolute
    elevated_until  BIGINT,                -- re-authenticated for dangerous actions
    ip              TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT '',
    revoked_at      BIGINT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- A login between the password and the second factor (or TOTP enrolment).
CREATE TABLE login_challenges (
    id              TEXT PRIMARY KEY,      -- hex SHA-256 of the challenge token
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    method          TEXT NOT NULL CHECK (method IN ('email', 'totp', 'totp_enroll')),
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    code_hash       TEXT,                  -- hex SHA-256 of the e-mailed code (and challenge)
    code_expires_at BIGINT,
    attempts        BIGINT NOT NULL DEFAULT 0, -- wrong codes since the last one sent
    sends           BIGINT NOT NULL DEFAULT 0,
    last_sent_at    BIGINT,
    pending_secret  TEXT,                  -- sealed TOTP secret being enrolled
    ip              TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT '',
    done_at         BIGINT                 -- set once: a challenge is used once
);
CREATE INDEX login_challenges_user ON login_challenges (user_id);

-- "Remember this browser": skips the second factor, never the password.
-- Valid only while the account's credential_epoch is the one it was made at.
CREATE TABLE remembered_browsers (
    id               TEXT PRIMARY KEY,     -- hex SHA-256 of the cookie's token
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    credential_epoch BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    last_used_at     BIGINT,
    label            TEXT NOT NULL DEFAULT '' -- e.g. the browser's user agent
);
CREATE INDEX remembered_browsers_user ON remembered_browsers (user_id);

-- Who did what, append-only: the store has no method to change a row and
-- the triggers below refuse UPDATE, DELETE and TRUNCATE whoever asks.
CREATE TABLE audit_log (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,             -- encoded actor: `account:<id> (<name>)`, …
    actor_id    TEXT NOT NULL,             -- the actor without its name: `account:<id>`, `key:<id>`, `system`
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,             -- dotted: `login.success`, `account.create`, …
    target_kind TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    reason      TEXT NOT NULL DEFAULT '',
    before      TEXT,                      -- JSON, never a secret
    after       TEXT                       -- JSON, never a secret
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_id, at);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Server-wide settings an administrator changes in the console (session
-- lifetimes, 2FA mode, …): one JSON value per key.
CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,             -- JSON
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL              -- actor
);

-- The account that owns a key; NULL = a service principal owned by Cordon.
-- No foreign key: deleting an account revokes its keys and keeps them.
ALTER TABLE api_keys ADD COLUMN owner TEXT;
CREATE INDEX api_keys_owner ON api_keys (owner);
