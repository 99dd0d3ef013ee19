-- The admin schema holds the audit log; it orchestrates identity and session. Only the admin service reads or writes it.
COMMENT ON SCHEMA admin IS 'Planta admin service: the audit log; it orchestrates identity and session';
