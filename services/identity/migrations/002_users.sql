-- Users and the access log. Usernames and emails are unique case-insensitively through
-- lower() indexes (no citext: it needs an extension and thus a superuser in the cluster).
-- Uniqueness spans soft-deleted rows too: a retired username is never handed to someone
-- else, so access-log and audit history stay unambiguous.
CREATE TABLE users (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username             text NOT NULL CHECK (username ~ '^[A-Za-z0-9_][A-Za-z0-9_.-]{2,31}$'),
    email                text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1),
    full_name            text NOT NULL DEFAULT '' CHECK (length(full_name) <= 200),
    role                 text NOT NULL CHECK (role IN ('superadmin', 'admin', 'cliente')),
    active               boolean NOT NULL DEFAULT true,
    password_hash        text NOT NULL,
    must_change_password boolean NOT NULL DEFAULT false,
    -- declarative: synced from the mounted YAML file, read-only through the API.
    declarative          boolean NOT NULL DEFAULT false,
    -- seeded: the built-in superadmin; never deleted, disabled or demoted (trigger below).
    seeded               boolean NOT NULL DEFAULT false,
    deleted_at           timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    password_changed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_one_seeded ON users (seeded) WHERE seeded;
CREATE INDEX users_created_idx ON users (created_at DESC, id DESC);
CREATE INDEX users_role_idx ON users (role) WHERE deleted_at IS NULL;

-- The seeded superadmin is protected here as well as in the domain, so that no code path
-- (nor an operator with psql and the service's role) can delete, disable or demote it.
CREATE FUNCTION protect_seeded_superadmin() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.seeded THEN
            RAISE EXCEPTION 'the seeded superadmin cannot be deleted' USING ERRCODE = 'PL001';
        END IF;
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.seeded THEN
        IF NOT NEW.seeded OR NEW.role <> 'superadmin' OR NOT NEW.active
           OR NEW.deleted_at IS NOT NULL OR lower(NEW.username) <> lower(OLD.username) THEN
            RAISE EXCEPTION 'the seeded superadmin cannot be deleted, disabled, demoted or renamed'
                USING ERRCODE = 'PL001';
        END IF;
    ELSIF NEW.seeded THEN
        IF NEW.role <> 'superadmin' OR NOT NEW.active OR NEW.deleted_at IS NOT NULL OR lower(NEW.username) <> 'superadmin' THEN
            RAISE EXCEPTION 'only the active superadmin account may be the seeded one' USING ERRCODE = 'PL001';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER users_protect_seeded
    BEFORE UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION protect_seeded_superadmin();

CREATE TRIGGER users_protect_seeded_insert
    BEFORE INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION protect_seeded_superadmin();

-- TRUNCATE bypasses row triggers; refuse it on the users table outright.
CREATE FUNCTION refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'TRUNCATE of % is not allowed', TG_TABLE_NAME USING ERRCODE = 'PL001';
END
$$;

CREATE TRIGGER users_no_truncate BEFORE TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();

-- Every login attempt (and every break-glass action), append-only from the service's view.
CREATE TABLE access_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    username   text NOT NULL,
    user_id    uuid,
    outcome    text NOT NULL CHECK (outcome IN (
                   'success', 'bad_credentials', 'locked', 'disabled', 'rate_limited', 'error',
                   'break_glass_unlock', 'break_glass_reset')),
    ip         inet,
    user_agent text NOT NULL DEFAULT '',
    trace_id   text NOT NULL DEFAULT ''
);

CREATE INDEX access_log_at_idx ON access_log (at DESC, id DESC);
CREATE INDEX access_log_user_idx ON access_log (user_id, id DESC) WHERE user_id IS NOT NULL;
CREATE INDEX access_log_username_idx ON access_log (lower(username), id DESC);
CREATE INDEX access_log_outcome_idx ON access_log (outcome, id DESC);
CREATE INDEX access_log_ip_idx ON access_log (ip, id DESC);
