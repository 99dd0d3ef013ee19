-- The audit log: every admin action, every impersonation start/stop and every write other
-- services performed while a superadmin was impersonating a cliente (ARCHITECTURE.md §2).
--
-- It is append-only. Privileges alone cannot guarantee that (the table owner and superusers
-- bypass them), so a trigger refuses UPDATE, DELETE and TRUNCATE for every role, and it is
-- ENABLE ALWAYS so that session_replication_role = replica does not switch it off either.
CREATE TABLE audit_log (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- time is when the action happened (UTC); recorded_at is when this service stored it.
    time             timestamptz NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    service          text        NOT NULL CHECK (service ~ '^[a-z][a-z0-9-]{0,31}$'),
    action           text        NOT NULL CHECK (length(action) BETWEEN 1 AND 200),
    actor_id         text        NOT NULL CHECK (length(actor_id) BETWEEN 1 AND 64),
    actor_username   text        NOT NULL CHECK (length(actor_username) <= 100),
    subject_id       text        NOT NULL DEFAULT '' CHECK (length(subject_id) <= 64),
    subject_username text        NOT NULL DEFAULT '' CHECK (length(subject_username) <= 100),
    target           text        NOT NULL DEFAULT '' CHECK (length(target) <= 500),
    reason           text        NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    before           jsonb,
    after            jsonb,
    status           integer     NOT NULL DEFAULT 0 CHECK (status = 0 OR status BETWEEN 100 AND 599),
    ip               text        NOT NULL DEFAULT '' CHECK (length(ip) <= 64),
    trace_id         text        NOT NULL DEFAULT '' CHECK (trace_id ~ '^([0-9a-f]{32})?$')
);

CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id DESC);
CREATE INDEX audit_log_actor_username_idx ON audit_log (actor_username, id DESC);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_id, id DESC);
CREATE INDEX audit_log_subject_username_idx ON audit_log (subject_username, id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);
CREATE INDEX audit_log_time_idx ON audit_log (time DESC, id DESC);

COMMENT ON TABLE audit_log IS 'Append-only audit log: UPDATE, DELETE and TRUNCATE are refused by trigger for every role';

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admin.audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- Statement level, so even a change that matches no row is refused (and visible).
CREATE TRIGGER audit_log_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_update_delete;
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_truncate;

-- Belt and braces for non-owner roles: nobody is granted the verbs the trigger refuses.
-- (The service should run as a role that does not own the table; the migration Job's
-- role owns it.)
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER;
